// Enrolment and the agent's credential. The enrolment token is used once, on first contact; the
// collector answers with a credential for this agent and host only, kept in the state directory
// (owner-only) and used for every later call. A refused credential is not replaced behind the
// operator's back: revoking an agent takes effect until someone re-enrols it on purpose.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EnrolResponseSchema, type Inventory, type SpoolState } from '@tiebreak/shared';
import { removeStaleTemporaries, withFileLock, writePrivateFile } from './files.ts';
import type { Logger } from './log.ts';
import { apiUrl, postJson, sendInventory, type SendResult } from './send.ts';
import { AGENT_VERSION } from './version.ts';

interface StoredCredential {
  server: string;
  host_id: string;
  agent_id: number;
  credential: string;
}

/**
 * Keep this state directory's credential for the same collector served at another address (a new
 * port, a new name): without it the agent would enrol again, and the host, bound to its first
 * credential, would refuse the second. Only for a collector known to be the same one.
 */
export function followCollector(stateDir: string, server: string): void {
  const file = join(stateDir, 'credential.json');
  if (!existsSync(file)) return;
  const stored = JSON.parse(readFileSync(file, 'utf8')) as StoredCredential;
  const origin = new URL(server).origin;
  if (stored.server !== origin) writePrivateFile(file, JSON.stringify({ ...stored, server: origin } satisfies StoredCredential));
}

export class Delivery {
  private readonly file: string;

  constructor(
    stateDir: string,
    private readonly server: string,
    private readonly token: string,
    private readonly log: Logger,
    private readonly options: {
      ca?: string;
      onSchedule?: (schedule: string) => void;
      /** This machine, when the inventories sent are of other hosts (network devices it scanned). */
      agentHost?: Inventory['host'];
    } = {},
  ) {
    this.file = join(stateDir, 'credential.json');
    removeStaleTemporaries(stateDir);
  }

  private stored(hostId: string): StoredCredential | null {
    if (!existsSync(this.file)) return null;
    try {
      const stored = JSON.parse(readFileSync(this.file, 'utf8')) as StoredCredential;
      return stored.server === new URL(this.server).origin && stored.host_id === hostId ? stored : null;
    } catch {
      return null;
    }
  }

  /** The credential for this host, enrolling with the token when there is none for this collector. */
  async credential(host: Inventory['host']): Promise<string> {
    const stored = this.stored(host.id);
    if (stored) return stored.credential;
    // Another run of this agent (the daemon, a manual send) may be enrolling now: enrolling twice
    // would leave this host's second credential waiting for an admin.
    return withFileLock(`${this.file}.lock`, async () => this.stored(host.id)?.credential ?? (await this.enrol(host)));
  }

  private async enrol(host: Inventory['host']): Promise<string> {
    const answer = await postJson(apiUrl(this.server, 'enrol'), { host_id: host.id, hostname: host.hostname, agent_version: AGENT_VERSION }, this.token, {
      ca: this.options.ca,
    });
    const { agent_id, credential } = EnrolResponseSchema.parse(answer.body);
    writePrivateFile(this.file, JSON.stringify({ server: new URL(this.server).origin, host_id: host.id, agent_id, credential } satisfies StoredCredential));
    this.log.info(`enrolled with ${new URL(this.server).origin} as agent ${agent_id}`);
    return credential;
  }

  send = async (inventory: Inventory, spool?: SpoolState): Promise<SendResult> => {
    const credential = await this.credential(this.options.agentHost ?? inventory.host);
    const result = await sendInventory(inventory, { server: this.server, credential, ca: this.options.ca, spool });
    // The collector may set the schedule all agents follow.
    const schedule = (result.body as { schedule?: unknown } | null)?.schedule;
    if (typeof schedule === 'string') this.options.onSchedule?.(schedule);
    return result;
  };
}
