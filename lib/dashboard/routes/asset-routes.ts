import type { Hono } from 'hono';

/** The tab icon: a gate bar over a check mark. Served so browsers stop asking the API for /favicon.ico. */
const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#0f172a"/><path d="M6 10h20" stroke="#60a5fa" stroke-width="3" stroke-linecap="round"/><path d="M9 19l5 5 9-10" fill="none" stroke="#4ade80" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/></svg>`;

export const ICON_PATH = '/ui/assets/icon.svg';

export function registerAssetRoutes(ui: Hono): void {
  ui.get(ICON_PATH, (c) => c.body(ICON, 200, { 'Content-Type': 'image/svg+xml', 'Cache-Control': 'public, max-age=86400' }));
}
