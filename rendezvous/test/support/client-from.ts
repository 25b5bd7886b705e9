import http from 'node:http';
import { performance } from 'node:perf_hooks';

/** One answer, with how long it took (ms, from sending to the last byte). */
export interface TimedAnswer {
  readonly status: number;
  readonly body: any;
  readonly ms: number;
}

/**
 * A client with its own loopback source address (127.0.0.x) and kept-alive connections, so a test
 * can act as several distinct clients at full speed (a squatter, a flooder, a bystander).
 */
export class ClientFrom {
  readonly #agent: http.Agent;

  constructor(readonly address: string, maxSockets = 16) {
    this.#agent = new http.Agent({ keepAlive: true, maxSockets, localAddress: address } as http.AgentOptions);
  }

  get(url: string): Promise<TimedAnswer> {
    return this.#send('GET', url);
  }

  post(url: string, body: unknown): Promise<TimedAnswer> {
    return this.#send('POST', url, JSON.stringify(body));
  }

  close(): void {
    this.#agent.destroy();
  }

  #send(method: string, url: string, body?: string): Promise<TimedAnswer> {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const req = http.request(url, { method, agent: this.#agent, headers: { 'content-type': 'application/json' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // not JSON: keep the text
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, ms: performance.now() - started });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  }
}

/** The `q` quantile (0..1) of `values`. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
