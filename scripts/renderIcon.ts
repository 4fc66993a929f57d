/**
 * `npm run icon`: renders media/icon.png (the Marketplace / Open VSX icon, 256×256) from the view
 * icon media/preview-containers.svg with headless Chromium, so the two never drift apart. The
 * Marketplace takes no SVG icons; 256 px stays sharp where the listing shows 128 px at 2×.
 * Run it after changing the SVG or the colours below, and commit the PNG.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BrowserSession } from '../test/harness/browser';
import { REPO_ROOT } from '../test/harness/prerequisites';

const ICON_SIZE = 256;
/** Also the galleryBanner colour in package.json, so the listing's header matches the icon. */
const ICON_BACKGROUND = '#17324d';
const ACCENT = '#38bdf8';

function iconPage(svg: string): string {
  return `<!doctype html>
<html><head><style>
  html, body { margin: 0; background: transparent; }
  #icon { width: ${ICON_SIZE}px; height: ${ICON_SIZE}px; border-radius: ${ICON_SIZE * 0.1875}px;
          background: ${ICON_BACKGROUND}; display: flex; align-items: center; justify-content: center;
          color: #ffffff; }
  #icon svg { width: ${ICON_SIZE * 0.78}px; height: ${ICON_SIZE * 0.78}px; }
  /* The two small boxes are the apps, each in its own container. */
  #icon svg rect:nth-of-type(2), #icon svg rect:nth-of-type(3) { fill: ${ACCENT}; stroke: ${ACCENT}; }
</style></head>
<body><div id="icon">${svg}</div></body></html>`;
}

async function main(): Promise<void> {
  const svg = fs.readFileSync(path.join(REPO_ROOT, 'media', 'preview-containers.svg'), 'utf8');
  const target = path.join(REPO_ROOT, 'media', 'icon.png');
  const browser = await BrowserSession.launch();
  try {
    await browser.page.setContent(iconPage(svg));
    await browser.page.locator('#icon').screenshot({ path: target, omitBackground: true });
  } finally {
    await browser.close();
  }
  console.log(`wrote ${path.relative(REPO_ROOT, target)} (${ICON_SIZE}×${ICON_SIZE})`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
