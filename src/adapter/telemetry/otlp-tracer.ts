/**
 * OpenTelemetry traces over OTLP/HTTP (JSON), with the official packages. The composition root
 * imports this module dynamically and only when `telemetry.otlp.endpoint` (or
 * `OTEL_EXPORTER_OTLP_ENDPOINT`) is set, so without telemetry not one OpenTelemetry module is
 * loaded. Spans are kept off any global: this tracer provider is Olla's own.
 */
import {
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { TelemetryConfig } from '../../config/types.js';
import type { AttemptSpan, RequestSpan, RequestTracer, TracedRequest } from '../../core/ports/tracer.js';
import { type ObservedUsage, observeChunk, operationName } from './gen-ai.js';

/** Where OTLP/HTTP traces go under a base endpoint, as the OpenTelemetry spec defines it. */
export function tracesUrl(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, '')}/v1/traces`;
}

function serverAddress(url: string): { address: string; port: number } {
  const parsed = new URL(url);
  const port = parsed.port === '' ? (parsed.protocol === 'https:' ? 443 : 80) : Number(parsed.port);
  return { address: parsed.hostname.replace(/^\[|\]$/g, ''), port };
}

function fail(span: Span, error: Error): void {
  span.setAttribute('error.type', error.name || 'Error');
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
}

export function createOtlpTracer(config: TelemetryConfig['otlp'], version: string): RequestTracer {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.serviceName, 'service.version': version }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl(config.endpoint) }))],
  });
  const tracer = provider.getTracer('olla', version);
  const propagator = new W3CTraceContextPropagator();

  return {
    startRequest(request: TracedRequest): RequestSpan {
      const parent = propagator.extract(ROOT_CONTEXT, request.headers, defaultTextMapGetter);
      const operation = operationName(request.targetPath);
      const span = tracer.startSpan(
        operation
          ? `${operation}${request.model ? ` ${request.model}` : ''}`
          : `${request.method} ${request.targetPath.split('?', 1)[0]}`,
        {
          kind: SpanKind.SERVER,
          attributes: {
            'http.request.method': request.method,
            'url.path': request.targetPath.split('?', 1)[0],
            ...(operation ? { 'gen_ai.operation.name': operation } : {}),
            ...(request.model ? { 'gen_ai.request.model': request.model } : {}),
          },
        },
        parent,
      );
      const spanContext = trace.setSpan(parent, span);
      const usage: ObservedUsage = {};
      let backend: { address: string; port: number; name: string } | undefined;

      return {
        startAttempt(endpoint, attempt): AttemptSpan {
          const server = serverAddress(endpoint.url);
          backend = { ...server, name: endpoint.name };
          const child = tracer.startSpan(
            `attempt ${attempt} ${endpoint.name}`,
            {
              kind: SpanKind.CLIENT,
              attributes: {
                'server.address': server.address,
                'server.port': server.port,
                'olla.endpoint': endpoint.name,
                'olla.endpoint.type': endpoint.type,
                'olla.attempt': attempt,
                ...(operation ? { 'gen_ai.operation.name': operation } : {}),
                ...(request.model ? { 'gen_ai.request.model': request.model } : {}),
              },
            },
            spanContext,
          );
          const carrier: Record<string, string> = {};
          propagator.inject(trace.setSpan(ROOT_CONTEXT, child), carrier, defaultTextMapSetter);
          return {
            traceparent: carrier.traceparent ?? '',
            observe(chunk) {
              observeChunk(usage, chunk.toString('latin1'));
            },
            end(status, error) {
              if (status > 0) child.setAttribute('http.response.status_code', status);
              if (error) fail(child, error);
              child.end();
            },
          };
        },
        end(result) {
          if (backend) {
            span.setAttributes({
              'server.address': backend.address,
              'server.port': backend.port,
              'olla.endpoint': backend.name,
            });
          }
          if (usage.responseModel !== undefined) span.setAttribute('gen_ai.response.model', usage.responseModel);
          if (usage.inputTokens !== undefined) span.setAttribute('gen_ai.usage.input_tokens', usage.inputTokens);
          if (usage.outputTokens !== undefined) span.setAttribute('gen_ai.usage.output_tokens', usage.outputTokens);
          if (result.status > 0) span.setAttribute('http.response.status_code', result.status);
          span.setAttribute('olla.retries', result.retries);
          if (result.error) fail(span, result.error);
          span.end();
        },
      };
    },
    shutdown: () => provider.shutdown(),
  };
}
