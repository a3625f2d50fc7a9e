// The web interface: one sub-app per feature (ui/routes/), mounted here in one place.
import { Hono } from 'hono';
import { agentRoutes } from './routes/agents.tsx';
import { assessmentRoutes } from './routes/assessment.tsx';
import { assetRoutes } from './routes/assets.ts';
import { authRoutes } from './routes/auth.tsx';
import { entityRoutes } from './routes/entities.tsx';
import type { Env, UiContext } from './routes/context.ts';
import { hostRoutes } from './routes/hosts.tsx';
import { overviewRoutes } from './routes/overview.tsx';
import { productRoutes } from './routes/products.tsx';
import { reportRoutes } from './routes/report.tsx';
import { settingsRoutes } from './routes/settings.tsx';
import { vendorRoutes } from './routes/vendors.tsx';

export { safeNext } from './routes/auth.tsx';
export type { UiContext } from './routes/context.ts';

export function uiRoutes(ui: UiContext): Hono<Env> {
  return new Hono<Env>()
    .route('/', assetRoutes())
    .route('/', authRoutes(ui))
    .route('/', overviewRoutes(ui))
    .route('/', reportRoutes(ui))
    .route('/', hostRoutes(ui))
    .route('/', productRoutes(ui))
    .route('/', vendorRoutes(ui))
    .route('/', agentRoutes(ui))
    .route('/', assessmentRoutes(ui))
    .route('/', settingsRoutes(ui))
    .route('/', entityRoutes(ui));
}
