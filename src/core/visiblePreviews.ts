/**
 * Which apps have their preview tab visible right now (one tab per app). The UI reports it (tab
 * shown, hidden, closed); the idle reaper reads it (it never stops those apps, and keeps them
 * active for other windows). Pushed rather than asked for, so the core needs nothing of the UI.
 */
export class VisiblePreviews {
  private readonly visible = new Set<string>();

  set(appKey: string, isVisible: boolean): void {
    if (isVisible) {
      this.visible.add(appKey);
    } else {
      this.visible.delete(appKey);
    }
  }

  keys(): string[] {
    return [...this.visible];
  }
}
