// Group commit for the HTTP path: inventories that arrive while the event loop is busy are ingested
// together with one commit. Each request is answered only after the commit that holds its inventory.
import type { Inventory } from '@tiebreak/shared';
import type { IngestOrigin } from '../entities/assign.ts';
import type { AfterIngest, IngestResult, Ingestor } from './ingest.ts';

interface Pending {
  inventory: Inventory;
  /** Where it came from (an endpoint's name) and when it was queued, for the metrics. */
  source: string;
  /** Written in the same transaction once it is ingested (the agent heard from). */
  after: AfterIngest | undefined;
  /** Its token and address, for the entity it goes to. */
  origin: IngestOrigin | undefined;
  queued: number;
  resolve: (result: IngestResult) => void;
  reject: (error: Error) => void;
}

export class IngestQueue {
  private pending: Pending[] = [];
  private scheduled = false;

  constructor(
    private readonly ingestor: Ingestor,
    private readonly maxBatch = 64,
    /** Called after each commit that stored something (the assessment's snapshot follows). */
    private readonly committed: () => void = () => {},
    /** Called for each inventory stored (or found already stored): seconds since it was queued. */
    private readonly observe: (seconds: number, result: IngestResult, source: string) => void = () => {},
  ) {}

  submit(inventory: Inventory, source = 'tiebreak', after?: AfterIngest, origin?: IngestOrigin): Promise<IngestResult> {
    return new Promise((resolve, reject) => {
      this.pending.push({ inventory, source, after, origin, queued: performance.now(), resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  /** Ingests what is pending, a batch at a time; one flush runs at a time (`scheduled` stays set meanwhile). */
  private async flush(): Promise<void> {
    try {
      while (this.pending.length) {
        const batch = this.pending.splice(0, this.maxBatch);
        let results: (IngestResult | Error)[];
        try {
          results = await this.ingestor.ingestMany(
            batch.map((p) => p.inventory),
            undefined,
            batch.map((p) => p.after),
            batch.map((p) => p.origin),
          );
        } catch (error) {
          // The commit itself failed: nothing of this batch is stored.
          for (const p of batch) p.reject(error instanceof Error ? error : new Error(String(error)));
          continue;
        }
        this.committed();
        batch.forEach((p, i) => {
          const result = results[i]!;
          if (result instanceof Error) p.reject(result);
          else {
            this.observe((performance.now() - p.queued) / 1000, result, p.source);
            p.resolve(result);
          }
        });
      }
    } finally {
      this.scheduled = false;
    }
  }
}
