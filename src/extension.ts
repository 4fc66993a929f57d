import * as vscode from 'vscode';
import { FileLeaseJournal } from './core/fileLeaseJournal';
import { FileLock } from './core/interProcessLock';
import { LeaseStore } from './core/leaseStore';
import { systemClock } from './core/logger';
import { PortAllocator } from './core/portAllocator';
import { TcpPortProbe } from './core/portProbe';
import { currentSettings } from './ui/configuration';
import { createOutputLogger } from './ui/outputLogger';
import { PortAllocationsDocument } from './ui/portAllocationsDocument';
import { runCommand } from './ui/commandRunner';

/** Composition root: build the parts, register them, nothing else. */
export function activate(context: vscode.ExtensionContext): void {
  const { channel, logger } = createOutputLogger();
  context.subscriptions.push(channel);

  const storageDir = context.globalStorageUri.fsPath;
  const allocator = new PortAllocator({
    store: new LeaseStore(context.globalState, logger, new FileLeaseJournal(storageDir, systemClock, logger)),
    lock: new FileLock(storageDir, logger),
    // Read per probe so a changed bind address applies at once.
    probe: { isFree: (port) => new TcpPortProbe(currentSettings().bindAddress).isFree(port) },
    range: () => currentSettings().portRange,
    clock: systemClock,
    logger,
  });

  const allocationsDocument = new PortAllocationsDocument(allocator);
  context.subscriptions.push(
    allocationsDocument,
    vscode.commands.registerCommand('previewContainers.showPortAllocations', () =>
      runCommand(logger, () => allocationsDocument.show()),
    ),
  );
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}
