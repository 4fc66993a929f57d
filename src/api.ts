/**
 * The public API of Preview Containers, returned by `activate()`:
 *
 * ```ts
 * const api = await vscode.extensions.getExtension<PreviewContainersApi>('preview-containers.preview-containers')!.activate();
 * const { url } = await api.runApp('apps/web');
 * ```
 *
 * Everything goes through the same allocator and controller as the commands: a caller can never
 * choose a port, so two callers can never collide. Methods reject with clear, typed errors.
 */
import type * as vscode from 'vscode';

export type AppStatus = 'stopped' | 'starting' | 'running' | 'stopping' | 'failed';

export interface AppInfo {
  /** Short id (slug of the workspace-relative folder), e.g. `apps-web`. */
  readonly appId: string;
  /** Display name (package.json name or folder name). */
  readonly name: string;
  /** Absolute app folder. */
  readonly folder: string;
  readonly status: AppStatus;
  /** The app's port: leased (sticky) while stopped, published while running. */
  readonly port: number | undefined;
  /** Where the app answers on this machine, while running. */
  readonly url: string | undefined;
  /** Why the last start failed. */
  readonly error: string | undefined;
}

export interface RunAppResult {
  readonly appId: string;
  readonly port: number;
  readonly url: string;
}

export interface OpenPreviewResult extends RunAppResult {
  /** The URL the preview frame loads (`asExternalUri`, or the app's own host name when that is needed). */
  readonly previewUrl: string;
}

export interface PortAllocation {
  readonly appId: string;
  readonly port: number;
  /** The app's folder (its lease key). */
  readonly folder: string;
  /** When the port was first given to the app (ISO 8601). */
  readonly allocatedAt: string;
  /** The workspace folder the app belongs to, when its window recorded it. */
  readonly workspace: string | null;
  /** When the app was last started, seen running, stopped or used (ISO 8601): leases expire from it. */
  readonly lastUsed: string;
  /** A container of the app runs on the port (null: the engine did not answer). */
  readonly running: boolean | null;
  /** The app is one of this window's apps. */
  readonly thisWindow: boolean;
}

export interface PortAllocations {
  readonly allocated: readonly PortAllocation[];
  readonly allocatedCount: number;
  readonly availableCount: number;
  readonly range: { readonly start: number; readonly end: number; readonly size: number };
}

/** An app: its appId, name, absolute folder path, or folder Uri. */
export type AppSelector = string | vscode.Uri;

export interface PreviewContainersApi {
  readonly version: 1;
  /** Starts the app (or returns it if already running) once it answers HTTP. */
  runApp(app: AppSelector): Promise<RunAppResult>;
  /** Stops the app; it keeps its port for the next run. */
  stopApp(app: AppSelector): Promise<void>;
  /** Opens the app's preview tab (starting it first if needed). */
  openPreview(app: AppSelector): Promise<OpenPreviewResult>;
  /** The workspace's apps and their state. */
  getApps(): Promise<readonly AppInfo[]>;
  /** Fires (with all apps) when an app appears, disappears or changes state. */
  readonly onDidChangeApps: vscode.Event<readonly AppInfo[]>;
  /** The port pool: who holds what. */
  allocations(): Promise<PortAllocations>;
}
