import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { WireServer, type RecordedRequest } from './wire-server';

/** One scripted `/api/chat` reply of {@link FakeOllamaServer}. */
export type OllamaReply =
  | { kind: 'message'; content?: string; toolCalls?: Array<{ name: string; arguments: unknown }>; doneReason?: 'stop' | 'length'; promptEvalCount?: number; evalCount?: number }
  /** What a real Ollama server answers when it cannot parse the model's tool call (HTTP 500). */
  | { kind: 'toolCallParseError'; raw: string }
  | { kind: 'error'; status: number; error: string }
  | { kind: 'slow'; ms: number; then: OllamaReply };

/**
 * A local HTTP server speaking Ollama's native API: `POST /api/chat` (non-streamed, with `tool_calls`) and
 * `POST /api/embed` (deterministic vectors from a hash of each input). Chat replies are scripted; an unscripted
 * chat gets a 500. It does not run a model or apply `format`/`tools` itself — it records them for assertions.
 *
 * @example
 * const server = await new FakeOllamaServer().start();
 * server.reply({ kind: 'message', toolCalls: [{ name: 'lookup_order', arguments: '{"id": "A-1",}' }] });
 */
export class FakeOllamaServer extends WireServer {
  private readonly script: OllamaReply[] = [];

  constructor(private readonly dimensions = 8) {
    super();
  }

  reply(...replies: OllamaReply[]): this {
    this.script.push(...replies);
    return this;
  }

  chatCalls(): Array<Record<string, unknown>> {
    return this.requests.filter((r) => r.path === '/api/chat').map((r) => r.body as Record<string, unknown>);
  }

  /** The vector this server returns for `text`. */
  vectorFor(text: string): number[] {
    const digest = createHash('sha256').update(text).digest();
    return Array.from({ length: this.dimensions }, (_, i) => (digest[i]! - 128) / 128);
  }

  protected async handle(req: RecordedRequest, res: ServerResponse): Promise<void> {
    if (req.method === 'POST' && req.path === '/api/embed') {
      const body = req.body as { model?: string; input?: string | string[] };
      const inputs = Array.isArray(body.input) ? body.input : [body.input ?? ''];
      return this.json(res, 200, {
        model: body.model,
        embeddings: inputs.map((t) => this.vectorFor(t)),
        total_duration: 1_000_000,
        load_duration: 100_000,
        prompt_eval_count: inputs.reduce((n, t) => n + t.split(/\s+/).filter(Boolean).length, 0),
      });
    }
    if (req.method !== 'POST' || req.path !== '/api/chat') return this.json(res, 404, { error: `404 page not found` });
    const model = (req.body as { model?: string }).model ?? '';
    let reply = this.script.shift();
    if (!reply) return this.json(res, 500, { error: 'FakeOllamaServer: unscripted /api/chat request' });
    while (reply.kind === 'slow') {
      if (!(await this.delay(reply.ms, res))) return;
      reply = reply.then;
    }
    switch (reply.kind) {
      case 'toolCallParseError':
        return this.json(res, 500, { error: `error parsing tool call: raw='${reply.raw}', err=invalid character '}' looking for beginning of object key string` });
      case 'error':
        return this.json(res, reply.status, { error: reply.error });
      case 'message':
        return this.json(res, 200, {
          model,
          created_at: new Date().toISOString(),
          message: {
            role: 'assistant',
            content: reply.content ?? '',
            ...(reply.toolCalls ? { tool_calls: reply.toolCalls.map((c) => ({ function: { name: c.name, arguments: c.arguments } })) } : {}),
          },
          done: true,
          done_reason: reply.doneReason ?? 'stop',
          total_duration: 5_000_000,
          load_duration: 1_000_000,
          prompt_eval_count: reply.promptEvalCount ?? 20,
          prompt_eval_duration: 1_000_000,
          eval_count: reply.evalCount ?? 9,
          eval_duration: 2_000_000,
        });
    }
  }
}
