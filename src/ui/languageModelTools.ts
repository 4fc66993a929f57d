import * as vscode from 'vscode';
import type { AppInfo } from '../api';
import type { AppCatalog } from './appCatalog';
import { codeSpan, escapeMarkdown } from './markdown';
import type { AppOperations } from './appOperations';

export const RUN_APP_TOOL = 'preview-containers_runApp';
export const LIST_APPS_TOOL = 'preview-containers_listApps';

interface RunAppInput {
  readonly app?: string;
}

/**
 * Chat agents start apps through the same operations as the commands (so through the one
 * allocator): the tool never takes a port. Starting runs workspace code, so it asks for
 * confirmation and refuses in untrusted workspaces.
 */
export class RunAppTool implements vscode.LanguageModelTool<RunAppInput> {
  constructor(
    private readonly operations: AppOperations,
    private readonly catalog: AppCatalog,
  ) {}

  async prepareInvocation(options: vscode.LanguageModelToolInvocationPrepareOptions<RunAppInput>): Promise<vscode.PreparedToolInvocation> {
    const def = await this.resolve(options.input);
    return {
      invocationMessage: vscode.l10n.t('Starting {0} in a container…', def.ref.name),
      confirmationMessages: {
        title: vscode.l10n.t('Run an app container?'),
        message: new vscode.MarkdownString(
          vscode.l10n.t(
            "Start **{0}** ({1}) in its own container, on a port from the pool? This runs the app's own code (its dev or start script).",
            escapeMarkdown(def.ref.name),
            codeSpan(vscode.workspace.asRelativePath(def.ref.folder)),
          ),
        ),
      },
    };
  }

  async invoke(options: vscode.LanguageModelToolInvocationOptions<RunAppInput>): Promise<vscode.LanguageModelToolResult> {
    if (!vscode.workspace.isTrusted) {
      throw new Error(vscode.l10n.t('Preview Containers only runs containers in trusted workspaces.'));
    }
    const def = await this.resolve(options.input);
    const result = await this.operations.run(def);
    return new vscode.LanguageModelToolResult([
      new vscode.LanguageModelTextPart(
        `${def.ref.name} (app id ${result.appId}) is running and answering at ${result.url} (host port ${result.port}, allocated by Preview Containers; do not pick ports yourself). ` +
          'The user can open it with the "Open App Preview" command.',
      ),
    ]);
  }

  private async resolve(input: RunAppInput) {
    if (input.app) {
      return this.operations.find(input.app);
    }
    await this.catalog.ready();
    const apps = this.catalog.all();
    if (apps.length === 1 && apps[0]) {
      return apps[0];
    }
    throw new Error(`Say which app to run: one of ${apps.map((a) => a.ref.appId).join(', ') || '(no apps found)'}.`);
  }
}

/** Lists the apps (read-only, no confirmation needed) so an agent knows what it can run. */
class ListAppsTool implements vscode.LanguageModelTool<Record<string, never>> {
  constructor(private readonly apps: () => Promise<readonly AppInfo[]>) {}

  async invoke(): Promise<vscode.LanguageModelToolResult> {
    return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(describeApps(await this.apps()))]);
  }
}

function describeApps(apps: readonly AppInfo[]): string {
  if (apps.length === 0) {
    return 'No apps in this workspace.';
  }
  return apps.map((a) => `- ${a.appId} ("${a.name}", ${a.folder}): ${a.status}${a.port !== undefined ? `, port ${a.port}` : ''}${a.url ? `, ${a.url}` : ''}`).join('\n');
}

export function registerLanguageModelTools(operations: AppOperations, catalog: AppCatalog, apps: () => Promise<readonly AppInfo[]>): vscode.Disposable[] {
  // Hosts without the language model API (older or stripped-down builds) simply have no tools.
  if (typeof vscode.lm?.registerTool !== 'function') {
    return [];
  }
  return [vscode.lm.registerTool(RUN_APP_TOOL, new RunAppTool(operations, catalog)), vscode.lm.registerTool(LIST_APPS_TOOL, new ListAppsTool(apps))];
}
