import { context, propagation, trace, type Context, type Span, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';

let provider: NodeTracerProvider | undefined;

/**
 * Installs the W3C trace-context propagator and a tracer provider for this process. Spans are exported over
 * OTLP/HTTP only when an endpoint is configured; without one, ids still propagate so logs correlate.
 *
 * @example
 * initTracing({ serviceName: 'supervisor', otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
 */
export function initTracing(options: { serviceName: string; otlpEndpoint?: string; extraProcessors?: SpanProcessor[] }): void {
  if (provider) return;
  const spanProcessors: SpanProcessor[] = [...(options.extraProcessors ?? [])];
  if (options.otlpEndpoint) {
    spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url: `${options.otlpEndpoint.replace(/\/$/, '')}/v1/traces` })));
  }
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    spanProcessors,
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
}

/** Flushes and stops the tracer provider (on shutdown). */
export async function shutdownTracing(): Promise<void> {
  await provider?.shutdown();
  provider = undefined;
}

/**
 * Writes the active trace context (`traceparent`, `tracestate`) into a carrier: Kafka headers or HTTP headers.
 *
 * @example
 * const headers: Record<string, string> = {}; injectTraceContext(headers);
 */
export function injectTraceContext(carrier: Record<string, string>, ctx: Context = context.active()): Record<string, string> {
  propagation.inject(ctx, carrier);
  return carrier;
}

/**
 * Reads a trace context from Kafka or HTTP headers (values may be Buffers, as kafkajs delivers them).
 *
 * @example
 * const parent = extractTraceContext(message.headers ?? {});
 */
export function extractTraceContext(carrier: Record<string, unknown>): Context {
  const flat: Record<string, string> = {};
  for (const [k, v] of Object.entries(carrier)) {
    if (typeof v === 'string') flat[k.toLowerCase()] = v;
    else if (Buffer.isBuffer(v)) flat[k.toLowerCase()] = v.toString('utf8');
    else if (Array.isArray(v) && v.length > 0) flat[k.toLowerCase()] = String(v[0]);
  }
  return propagation.extract(context.active(), flat);
}

/**
 * Runs `fn` inside a new span (child of `parent` or of the active context), recording errors.
 *
 * @example
 * await inSpan('supervisor handle', { kind: SpanKind.CONSUMER, parent }, () => handle(msg));
 */
export async function inSpan<T>(
  name: string,
  options: { kind?: SpanKind; parent?: Context; attributes?: Record<string, string | number | boolean> },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const tracer = trace.getTracer('switchboard');
  const parent = options.parent ?? context.active();
  return tracer.startActiveSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes }, parent, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
      throw error;
    } finally {
      span.end();
    }
  });
}

export { SpanKind };
