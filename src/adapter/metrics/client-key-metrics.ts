import type { Registry } from 'prom-client';
import { KEY_REJECTIONS } from '../../core/domain/client-key.js';
import type { ClientKeyGate } from '../client-keys/gate.js';
import { registerCollected } from './collected-metric.js';

/**
 * Per-key Prometheus counters, labelled by the key's configured name (a bounded set, never the
 * secret). Registered only when client keys are on; read from the gate's counters at scrape time.
 */
export function registerClientKeyMetrics(registry: Registry, gate: ClientKeyGate): void {
  // Read at each scrape: a config reload may add or revoke keys.
  const names = () => gate.keys().map((k) => k.name);
  registerCollected(
    registry,
    'olla_client_key_requests_total',
    'Requests admitted per client API key',
    'counter',
    (out) => {
      for (const key of names()) out.push({ labels: { key }, value: gate.counts(key)!.requests });
    },
  );
  registerCollected(
    registry,
    'olla_client_key_tokens_total',
    'Tokens used per client API key, from the backends\u2019 reported usage',
    'counter',
    (out) => {
      for (const key of names()) {
        const counts = gate.counts(key)!;
        out.push({ labels: { key, direction: 'input' }, value: counts.tokensIn });
        out.push({ labels: { key, direction: 'output' }, value: counts.tokensOut });
      }
    },
  );
  registerCollected(
    registry,
    'olla_client_key_rejections_total',
    'Requests refused per client API key and reason (key "none": no or an unknown key)',
    'counter',
    (out) => {
      out.push({ labels: { key: 'none', reason: 'unauthenticated' }, value: gate.unauthenticated });
      for (const key of names()) {
        const rejections = gate.counts(key)!.rejections;
        for (const reason of KEY_REJECTIONS) out.push({ labels: { key, reason }, value: rejections[reason] });
      }
    },
  );
}
