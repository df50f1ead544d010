// Copies the screenshots the browser tests took (ui/test-results/) that the
// README shows into docs/screenshots/: one per page at 800×600, light, plus
// the Status page in dark mode and at 400×700. Run by dev/screenshots after
// `npm run test:browser`; never edited by hand.
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ui = join(dirname(fileURLToPath(import.meta.url)), '..');
const from = join(ui, 'test-results');
const to = join(ui, '..', 'docs', 'screenshots');
export const README_SHOTS = {
  'status.png': 'status-attention-800x600-light.png',
  'status-up-to-date-dark.png': 'status-up-to-date-800x600-dark.png',
  'status-narrow.png': 'status-attention-400x700-light.png',
  'settings.png': 'settings-800x600.png',
  'history.png': 'history-800x600-light.png',
  'checks.png': 'checks-800x600-light.png',
  'wizard.png': 'wizard-800x600-light.png',
  'approval.png': 'approval-dialog-800x600-light.png',
};
mkdirSync(to, { recursive: true });
const missing = Object.values(README_SHOTS).filter((f) => !existsSync(join(from, f)));
if (missing.length) {
  console.error(`readme-screenshots: the browser tests did not write ${missing.join(', ')}; run npm run test:browser first`);
  process.exit(1);
}
for (const [name, shot] of Object.entries(README_SHOTS)) copyFileSync(join(from, shot), join(to, name));
console.log(`readme-screenshots: ${Object.keys(README_SHOTS).length} screenshots in docs/screenshots/`);
