// patches/kafkajs+2.2.4.patch: kafkajs's request queue must not keep a timer armed when it has nothing to check (an
// idle connection re-armed a 1 ms timer forever), and must still check a request that waits on a throttle or on the
// in-flight limit. Drives the real RequestQueue of the installed kafkajs, patched by `npm install`'s postinstall.
/* eslint-disable @typescript-eslint/no-require-imports */
const RequestQueue = require('kafkajs/src/network/requestQueue') as new (options: Record<string, unknown>) => Queue;

interface Queue {
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  throttledUntil: number;
  inflight: Map<number, unknown>;
  pending: unknown[];
  maybeThrottle(ms: number): void;
  push(request: { entry: { correlationId: number; apiKey: number; apiName: string; apiVersion: number; resolve: () => void; reject: () => void }; expectResponse: boolean; sendRequest: () => void; requestTimeout?: number }): void;
  fulfillRequest(response: { correlationId: number; payload: Buffer; size: number }): void;
  destroy(): void;
}

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const queue = (options: Record<string, unknown> = {}): Queue =>
  new RequestQueue({ instrumentationEmitter: null, maxInFlightRequests: null, requestTimeout: 30_000, enforceRequestTimeout: false, clientId: 'spec', broker: 'b:9092', logger: silent, isConnected: () => true, ...options });
const request = (correlationId: number, sent: number[]) => ({
  entry: { correlationId, apiKey: 1, apiName: 'Fetch', apiVersion: 11, resolve: () => {}, reject: () => {} },
  expectResponse: true,
  sendRequest: () => sent.push(correlationId),
});

describe('kafkajs request queue (patched)', () => {
  const queues: Queue[] = [];
  const make = (options?: Record<string, unknown>) => { const q = queue(options); queues.push(q); return q; };
  afterEach(() => queues.splice(0).forEach((q) => q.destroy()));

  it('arms no timer after a response when nothing is pending or throttled', () => {
    const q = make();
    const sent: number[] = [];
    q.push(request(1, sent));
    expect(sent).toEqual([1]);
    q.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
    // Unpatched, this is a 1 ms timer whose callback arms the next one, for as long as the connection lives.
    expect({ timerArmed: q.throttleCheckTimeoutId !== null }).toEqual({ timerArmed: false });
  });

  it('sends a request that waited on the in-flight limit when a response frees a slot', () => {
    const q = make({ maxInFlightRequests: 1 });
    const sent: number[] = [];
    q.push(request(1, sent));
    q.push(request(2, sent));
    expect(sent).toEqual([1]);
    q.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
    expect(sent).toEqual([1, 2]);
  });

  it('still checks a request that waits on a broker throttle, once the throttle ends', async () => {
    const q = make();
    const sent: number[] = [];
    q.maybeThrottle(30);
    q.push(request(1, sent));
    expect(sent).toEqual([]);
    expect(q.throttleCheckTimeoutId).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(sent).toEqual([1]);
  });
});
