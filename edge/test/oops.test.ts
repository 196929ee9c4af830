import { mkdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { CHROMIUM_PATH, chromium, itWith } from '../../testing/requires.ts';

const PAGE = new URL('../oops/index.html', import.meta.url);
/** Set to regenerate docs/oops.png from this run (the screenshot is kept, not rebuilt by every run). */
const SCREENSHOT = process.env.UPDATE_SCREENSHOTS === '1';
const PHONE = { width: 375, height: 667, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

/** WCAG 2 relative luminance of `rgb(r, g, b)`. */
function luminance(color: string): number {
  const [r = 0, g = 0, b = 0] = (color.match(/\d+(\.\d+)?/g) ?? []).map(Number).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
const contrast = (a: string, b: string) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
};

describe('the oops page (DR-1) in headless Chromium, as a phone without JavaScript', () => {
  let browser: Browser | undefined;
  let page: Page;
  const requested: string[] = [];

  beforeAll(async () => {
    if (!chromium.available) return;
    browser = await puppeteer.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu'],
    });
    page = await browser.newPage();
    await page.setJavaScriptEnabled(false);
    await page.setViewport(PHONE);
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      requested.push(request.url());
      // Nothing leaves the machine: an outside request fails here and is recorded above.
      if (request.url() === PAGE.href) void request.continue();
      else void request.abort();
    });
    await page.goto(PAGE.href, { waitUntil: 'load' });
  });
  afterAll(async () => {
    await browser?.close();
  });

  itWith(
    chromium,
    'DNS-3, DR-1: it says the service is down and will be back, with a title and a language',
    async () => {
      const text = await page.$eval('main', (main) => main.textContent);
      expect(text).toMatch(/down/i);
      expect(text).toMatch(/back/i);
      expect(await page.title()).toMatch(/\S/);
      expect(await page.$eval('html', (html) => html.getAttribute('lang'))).toMatch(/^[a-z]{2}(-[A-Z]{2})?$/);
    },
  );

  itWith(
    chromium,
    'DNS-3, DR-1: it makes no request but for itself (no font, script, image or style from anywhere)',
    () => {
      expect(requested).toEqual([pathToFileURL(fileURLToPath(PAGE)).href]);
    },
  );

  itWith(
    chromium,
    'DNS-3, DR-1: it is readable on a phone: no sideways scrolling, body text of 16 px or more, contrast of 4.5:1 or more',
    async () => {
      // A string: this project's TypeScript has no DOM types; the page's own browser evaluates it.
      const layout = (await page.evaluate(`(() => {
        const body = getComputedStyle(document.body);
        return {
          scrollWidth: document.documentElement.scrollWidth,
          width: window.innerWidth,
          background: body.backgroundColor,
          texts: [...document.querySelectorAll('h1, p')].map((el) => {
            const style = getComputedStyle(el);
            return { color: style.color, size: Number.parseFloat(style.fontSize) };
          }),
        };
      })()`)) as {
        scrollWidth: number;
        width: number;
        background: string;
        texts: { color: string; size: number }[];
      };
      expect(layout.scrollWidth).toBeLessThanOrEqual(layout.width);
      expect(layout.texts.length).toBeGreaterThan(0);
      for (const text of layout.texts) {
        expect(text.size).toBeGreaterThanOrEqual(16);
        expect(contrast(text.color, layout.background)).toBeGreaterThanOrEqual(4.5);
      }
      if (SCREENSHOT) {
        const out = fileURLToPath(new URL('../../docs/oops.png', import.meta.url));
        mkdirSync(fileURLToPath(new URL('../../docs', import.meta.url)), { recursive: true });
        await page.screenshot({ path: out as `${string}.png`, fullPage: true });
      }
    },
  );
});
