import type { ServerResponse } from 'node:http';
import { WireServer, type RecordedRequest } from './wire-server';

/** A Converse content block as it travels on the wire. */
export type ConverseWireBlock = { text: string } | { toolUse: { toolUseId: string; name: string; input: unknown } };

/** One scripted reply of {@link FakeConverseServer}. */
export type ConverseReply =
  | { kind: 'message'; content: ConverseWireBlock[]; stopReason?: string; usage?: { inputTokens: number; outputTokens: number; cacheReadInputTokens?: number; cacheWriteInputTokens?: number } }
  | { kind: 'throttle'; message?: string }
  | { kind: 'error'; status: number; type: string; message: string }
  | { kind: 'embedding'; embedding: number[]; inputTextTokenCount: number }
  | { kind: 'slow'; ms: number; then: ConverseReply };

/**
 * A local HTTP/1.1 server speaking the Bedrock Runtime wire protocol for `POST /model/{modelId}/converse` and
 * `/invoke` (restJson1: JSON bodies, errors typed by the `x-amzn-errortype` header). Replies are scripted in order;
 * a request beyond the script gets a 500 so a test cannot pass by accident. It checks that requests are SigV4-signed
 * but does not verify signatures, and it does not run a model.
 *
 * @example
 * const server = await new FakeConverseServer().start();
 * server.reply({ kind: 'throttle' }, { kind: 'message', content: [{ text: 'hi' }] });
 * const adapter = new BedrockAdapter({ awsRegion: 'us-east-1', endpoint: server.url, credentials: FAKE_AWS_CREDENTIALS, models: { default: 'm' } });
 */
export class FakeConverseServer extends WireServer {
  private readonly script: ConverseReply[] = [];

  /** Appends replies to the script. */
  reply(...replies: ConverseReply[]): this {
    this.script.push(...replies);
    return this;
  }

  /** Bodies of the Converse requests received, with the decoded model id. */
  converseCalls(): Array<{ modelId: string; body: Record<string, unknown> }> {
    return this.requests
      .filter((r) => r.path.endsWith('/converse'))
      .map((r) => ({ modelId: decodeURIComponent(r.path.split('/')[2] ?? ''), body: r.body as Record<string, unknown> }));
  }

  protected async handle(req: RecordedRequest, res: ServerResponse): Promise<void> {
    const m = /^\/model\/([^/]+)\/(converse|invoke)$/.exec(req.path);
    if (req.method !== 'POST' || !m) return this.json(res, 404, { message: `no route ${req.method} ${req.path}` }, { 'x-amzn-errortype': 'UnknownOperationException' });
    if (!String(req.headers['authorization'] ?? '').startsWith('AWS4-HMAC-SHA256')) {
      return this.json(res, 403, { message: 'Missing Authentication Token' }, { 'x-amzn-errortype': 'AccessDeniedException' });
    }
    let reply = this.script.shift();
    if (!reply) return this.json(res, 500, { message: `FakeConverseServer: unscripted request ${req.path}` }, { 'x-amzn-errortype': 'InternalServerException' });
    while (reply.kind === 'slow') {
      if (!(await this.delay(reply.ms, res))) return;
      reply = reply.then;
    }
    const requestId = `req-${this.requests.length}`;
    switch (reply.kind) {
      case 'throttle':
        return this.json(res, 429, { message: reply.message ?? 'Too many requests, please wait before trying again.' }, {
          'x-amzn-errortype': 'ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/',
          'x-amzn-requestid': requestId,
        });
      case 'error':
        return this.json(res, reply.status, { message: reply.message }, { 'x-amzn-errortype': reply.type, 'x-amzn-requestid': requestId });
      case 'embedding':
        return this.json(res, 200, { embedding: reply.embedding, inputTextTokenCount: reply.inputTextTokenCount }, { 'x-amzn-requestid': requestId });
      case 'message': {
        const usage = reply.usage ?? { inputTokens: 12, outputTokens: 7 };
        return this.json(
          res,
          200,
          {
            output: { message: { role: 'assistant', content: reply.content } },
            stopReason: reply.stopReason ?? (reply.content.some((b) => 'toolUse' in b) ? 'tool_use' : 'end_turn'),
            usage: { ...usage, totalTokens: usage.inputTokens + usage.outputTokens + (usage.cacheReadInputTokens ?? 0) + (usage.cacheWriteInputTokens ?? 0) },
            metrics: { latencyMs: 42 },
          },
          { 'x-amzn-requestid': requestId },
        );
      }
    }
  }
}

/** Static credentials for tests against {@link FakeConverseServer} only; production uses the default AWS chain. */
export const FAKE_AWS_CREDENTIALS = { accessKeyId: 'AKIDFAKEFORTESTS', secretAccessKey: 'fake-secret-for-local-tests' } as const;
