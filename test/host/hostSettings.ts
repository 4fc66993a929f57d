/** The pool the in-host workspace configures (runInCodeServer.ts): away from the other suites. No vscode import. */
export const HOST_RANGE = { start: 32960, end: 32999 } as const;
