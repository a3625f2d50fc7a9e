/** @jsxImportSource hono/jsx */
// The settings: the authority, criticality levels, accounts and local login, API tokens, local
// rules, the API's description and the audit log.
import { createApiToken, listApiTokens, MAX_API_TOKEN_DAYS, revokeApiToken } from '../../accounts/api-tokens.ts';
import { localLoginState, setLocalLogin } from '../../accounts/local-login.ts';
import { AccountError, createUser, generatePassword, listUsers, removeUser } from '../../accounts/users.ts';
import { exportLocalRules, readLocalRules, removeAssignment } from '../../classify/local-rules.ts';
import { apiOperations } from '../../http/openapi.ts';
import { criticalitySettings, setCategoryLevels, setProductLevel } from '../../settings/criticality.ts';
import { getAuthority, setAuthority } from '../../store/authority.ts';
import { SettingsPage } from '../admin-pages.tsx';
import { ApiPage } from '../api-page.tsx';
import { auditRoutes } from '../audit-page.tsx';
import { isAdmin } from '../layout.tsx';
import { installedProducts } from '../queries.ts';
import { exportTable, feature, field, type Ctx, type UiContext } from './context.ts';
import type { FormStatus, Refusal } from './forms.ts';

interface SettingsExtra {
  newPassword?: { username: string; password: string };
  newApiToken?: { name: string; token: string };
  error?: string;
}

export function settingsRoutes(ui: UiContext) {
  const { app, ctxOf, audit, submit, username } = feature(ui);
  const { db } = ui;

  const settingsPage = async (c: Ctx, extra: SettingsExtra = {}, status: 200 | FormStatus = 200) => {
    const ctx = ctxOf(c);
    const classifier = ui.classifier();
    const levels = await criticalitySettings(db);
    const productName = (vendorId: string, productId: string) =>
      `${classifier.vendor(vendorId)?.name ?? vendorId} — ${classifier.product(vendorId, productId)?.name ?? productId}`;
    const categories = [...ui.rules().categories.values()].map((cat) => ({
      id: cat.id,
      name: cat.name[ctx.lang] ?? cat.id,
      default: cat.criticality,
      level: levels.categories.get(cat.id) ?? null,
    }));
    const products = [...levels.products].map(([key, level]) => {
      const [vendorId, productId] = key.split('/') as [string, string];
      return { key, name: productName(vendorId, productId), level };
    });
    const productChoices = (await installedProducts(db))
      .map((p) => [`${p.vendor_id}/${p.product_id}`, productName(p.vendor_id, p.product_id)] as [string, string])
      .sort((a, b) => a[1].localeCompare(b[1]));
    return c.html(
      <SettingsPage
        ctx={ctx}
        categories={categories}
        products={products}
        productChoices={productChoices}
        users={await listUsers(db)}
        assignments={(await readLocalRules(db)).assignments}
        apiTokens={isAdmin(ctx) ? await listApiTokens(db) : undefined}
        authority={await getAuthority(db)}
        localLogin={await localLoginState(db, ui.directory)}
        {...extra}
      />,
      status,
    );
  };
  /** The settings again with the reason a change was refused. */
  const refused = (c: Ctx) => (refusal: Refusal) => settingsPage(c, { error: refusal.message }, refusal.status);

  app.get('/settings', (c) => settingsPage(c));

  app.post('/settings/authority', async (c) => {
    const form = await c.req.parseBody();
    const change = { name: field(form, 'name'), siren: field(form, 'siren') };
    return submit(
      c,
      async () => {
        await audit(
          c,
          (trx) => setAuthority(trx, change),
          (a) => ({ action: 'settings.authority', details: `${a.name ?? '–'}, SIREN ${a.siren ?? '–'}` }),
        );
        return c.redirect('/settings#authority', 302);
      },
      refused(c),
    );
  });

  app.post('/settings/criticality', async (c) => {
    const form = await c.req.parseBody();
    const levels = new Map(Object.entries(form).flatMap(([key, value]) => (key.startsWith('category:') ? [[key.slice(9), Number(value)] as const] : [])));
    await audit(
      c,
      (trx) => setCategoryLevels(trx, ui.rules(), levels),
      (changed) => (changed.length ? { action: 'criticality.category', details: changed.join(', ') } : null),
    );
    ui.dataChanged();
    return c.redirect('/settings', 302);
  });
  app.post('/settings/criticality/product', async (c) => {
    const form = await c.req.parseBody();
    const key = field(form, 'product');
    const level = [1, 2, 3].includes(Number(form.level)) ? Number(form.level) : null;
    return submit(
      c,
      async () => {
        await audit(
          c,
          (trx) => setProductLevel(trx, ui.classifier(), key, level),
          () => ({ action: 'criticality.product', object: key, details: level ? `level ${level}` : 'default level' }),
        );
        ui.dataChanged();
        return c.redirect('/settings', 302);
      },
      refused(c),
    );
  });

  app.post('/settings/users', async (c) => {
    const form = await c.req.parseBody();
    const name = field(form, 'username');
    const role = form.role === 'admin' ? 'admin' : 'viewer';
    const password = generatePassword();
    return submit(
      c,
      async () => {
        await audit(
          c,
          (trx) => createUser(trx, name, role, password, true),
          () => ({ action: 'user.add', object: name.trim().toLowerCase(), details: role }),
        );
        return settingsPage(c, { newPassword: { username: name, password } });
      },
      refused(c),
    );
  });
  app.post('/settings/users/:name/remove', async (c) => {
    const name = c.req.param('name');
    return submit(
      c,
      async () => {
        if (name.trim().toLowerCase() === username(c).toLowerCase()) throw new AccountError('you cannot remove your own account', 'ownAccount');
        await audit(
          c,
          (trx) => removeUser(trx, name),
          () => ({ action: 'user.remove', object: name }),
        );
        return c.redirect('/settings', 302);
      },
      refused(c),
    );
  });
  // Local accounts on or off (a directory login must exist to switch them off).
  app.post('/settings/local-login', async (c) => {
    const form = await c.req.parseBody();
    const on = field(form, 'local_login') === 'on';
    return submit(
      c,
      async () => {
        await audit(
          c,
          (trx) => setLocalLogin(trx, ui.directory, on),
          (changed) => (changed ? { action: 'settings.local-login', details: on ? 'on' : 'off' } : null),
        );
        ui.log.info({ by: username(c), local_login: on }, 'local login switched');
        return c.redirect('/settings#local-login', 302);
      },
      refused(c),
    );
  });

  app.get('/settings/api', (c) => c.html(<ApiPage ctx={ctxOf(c)} operations={apiOperations()} />));
  app.post('/settings/api-tokens', async (c) => {
    const form = await c.req.parseBody();
    const name = field(form, 'name');
    const days = field(form, 'expires_days').trim();
    const role = form.role === 'admin' ? 'admin' : 'viewer';
    return submit(
      c,
      async () => {
        if (days && !/^\d{1,9}$/.test(days))
          throw new AccountError(`a token's expiry is a whole number of days, not ${days}`, 'tokenExpiry', { max: MAX_API_TOKEN_DAYS, days });
        const { id, token } = await audit(
          c,
          (trx) => createApiToken(trx, { name, role, expiresInDays: days ? Number(days) : null, createdBy: username(c) }),
          (created) => ({ action: 'api-token.create', object: created.id, details: `"${name.trim()}" (${role})${days ? `, ${days} days` : ''}` }),
        );
        ui.log.info({ api_token_id: id, by: username(c) }, 'API token created');
        return settingsPage(c, { newApiToken: { name: name.trim(), token } });
      },
      refused(c),
    );
  });
  app.post('/settings/api-tokens/:id{[0-9]+}/revoke', async (c) => {
    const id = Number(c.req.param('id'));
    if (
      await audit(
        c,
        (trx) => revokeApiToken(trx, id),
        (done) => (done ? { action: 'api-token.revoke', object: id } : null),
      )
    )
      ui.log.info({ api_token_id: id, by: username(c) }, 'API token revoked');
    return c.redirect('/settings', 302);
  });

  app.get('/settings/local-rules.yaml', async (c) => {
    const files = await exportLocalRules(db, ui.rules());
    const body = files.length
      ? files.map((f) => `# rules/${f.file}\n${f.yaml}`).join('---\n')
      : '# No local rules yet: classify unknown items in the web interface.\n';
    return c.body(body, 200, { 'Content-Type': 'application/yaml; charset=utf-8', 'Content-Disposition': 'attachment; filename="tiebreak-local-rules.yaml"' });
  });
  app.post('/settings/local-rules/:id{[0-9]+}/remove', async (c) => {
    const id = Number(c.req.param('id'));
    await audit(
      c,
      (trx) => removeAssignment(trx, id),
      (done) => (done ? { action: 'local-rule.remove', object: id } : null),
    );
    await ui.applyLocalRules();
    ui.dataChanged();
    return c.redirect('/settings', 302);
  });

  app.route('/', auditRoutes({ db, ctxOf, exportTable }));
  return app;
}
