// The interface's static files: its style sheet, its icon (also as /favicon.ico, which browsers
// fetch on their own: answered rather than sent to the login form) and the report's print button.
import { Hono } from 'hono';
import { CSS } from '../layout.tsx';
import type { Env } from './context.ts';

const ICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#003189"/><path d="M4 11h8M4 8h5M4 5h8" stroke="#fff" stroke-width="1.6"/></svg>';
const PRINT_JS = "document.getElementById('print')?.addEventListener('click', () => window.print());\n";

export function assetRoutes(): Hono<Env> {
  const app = new Hono<Env>();
  const icon = { 'Content-Type': 'image/svg+xml', 'Cache-Control': 'max-age=86400' };
  app.get('/assets/app.css', (c) => c.body(CSS, 200, { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'max-age=3600' }));
  app.get('/favicon.ico', (c) => c.body(ICON_SVG, 200, icon));
  app.get('/assets/icon.svg', (c) => c.body(ICON_SVG, 200, icon));
  app.get('/assets/print.js', (c) => c.body(PRINT_JS, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }));
  return app;
}
