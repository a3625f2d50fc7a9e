/** @jsxImportSource hono/jsx */
// The agents page: enrolment tokens, the agents (one row each, linked to its host), those awaiting
// approval for a host that already has one, and the hosts that stopped reporting.
import { validator } from 'hono/validator';
import { getEntity, listEntities } from '../../entities/entities.ts';
import { approveAgent, createToken, listAgents, listTokens, refuseAgent, revokeAgent, revokeToken } from '../../store/tokens.ts';
import { AgentsPage, type AgentRow, type TokenRow } from '../admin-pages.tsx';
import { agentHostIds, staleHosts } from '../queries.ts';
import { feature, positiveInteger, type Ctx, type UiContext } from './context.ts';

export function agentRoutes(ui: UiContext) {
  const { app, ctxOf, audit, submit, username } = feature(ui);
  const { db } = ui;

  const agentsPage = async (c: Ctx, newToken?: string) => {
    const hosts = await agentHostIds(db);
    const agents = (await listAgents(db)).map((a) => ({ ...a, host_id: hosts.get(a.host_key) ?? null })) as AgentRow[];
    return c.html(
      <AgentsPage
        ctx={ctxOf(c)}
        tokens={(await listTokens(db)) as TokenRow[]}
        agents={agents}
        stale={await staleHosts(db)}
        newToken={newToken}
        entities={await listEntities(db)}
      />,
    );
  };
  app.get('/agents', (c) => agentsPage(c));
  app.post(
    '/agents/tokens',
    validator('form', (form) => ({
      name: String(form.name ?? 'web').slice(0, 100) || 'web',
      maxUses: positiveInteger(form.max_uses),
      days: positiveInteger(form.expires_days),
      // The entity its hosts go to ('' or absent: the root).
      entity: typeof form.entity === 'string' ? form.entity.trim() : '',
    })),
    async (c) => {
      const { name, maxUses, days, entity } = c.req.valid('form');
      return submit(
        c,
        async () => {
          const { token } = await audit(
            c,
            async (trx) => {
              const entityId = entity === '' ? null : (await getEntity(trx, positiveInteger(entity) ?? 0)).id;
              return createToken(trx, { name, maxUses, expiresAt: days ? new Date(Date.now() + days * 86_400_000) : null, entityId });
            },
            (created) => ({
              action: 'enrolment-token.create',
              object: created.id,
              details: `"${name}"${maxUses ? `, ${maxUses} uses` : ''}${days ? `, ${days} days` : ''}${entity ? `, entity #${entity}` : ''}`,
            }),
          );
          ui.log.info({ by: username(c) }, 'enrolment token created');
          return agentsPage(c, token);
        },
        (refusal) => c.text(refusal.message, refusal.status),
      );
    },
  );
  app.post('/agents/tokens/:id{[0-9]+}/revoke', async (c) => {
    const id = Number(c.req.param('id'));
    await audit(
      c,
      (trx) => revokeToken(trx, id),
      (done) => (done ? { action: 'enrolment-token.revoke', object: id } : null),
    );
    return c.redirect('/agents', 302);
  });
  app.post('/agents/:id{[0-9]+}/revoke', async (c) => {
    const id = Number(c.req.param('id'));
    await audit(
      c,
      (trx) => revokeAgent(trx, id),
      (done) => (done ? { action: 'agent.revoke', object: id } : null),
    );
    return c.redirect('/agents', 302);
  });
  // An agent enrolled for a host that already has one waits for an admin: approved or refused.
  for (const [decision, change, verb] of [
    ['approve', approveAgent, 'approved'],
    ['refuse', refuseAgent, 'refused'],
  ] as const) {
    app.post(`/agents/:id{[0-9]+}/${decision}`, async (c) => {
      const id = Number(c.req.param('id'));
      if (
        await audit(
          c,
          (trx) => change(trx, id),
          (done) => (done ? { action: `agent.${decision}`, object: id } : null),
        )
      )
        ui.log.info({ agent_id: id, by: username(c) }, `agent ${verb} for a known host`);
      return c.redirect('/agents', 302);
    });
  }
  return app;
}
