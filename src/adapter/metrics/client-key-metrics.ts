import { KEY_REJECTIONS } from '../../core/domain/client-key.js';
import type { ClientKeyGate } from '../client-keys/gate.js';
import type { CollectedMetrics } from './collected-metric.js';

/**
 * Per-key Prometheus counters, labelled by the key's configured name (a bounded set, never the
 * secret). Registered only when client keys are on; read from the gate's counters at scrape time.
 */
export function registerClientKeyMetrics(metrics: CollectedMetrics, gate: ClientKeyGate): void {
  // Read at each scrape: a config reload may add or revoke keys.
  const names = () => gate.keys().map((k) => k.name);
  metrics.add({
    name: 'olla_client_key_requests_total',
    help: 'Requests admitted per client API key',
    type: 'counter',
    collect: (out) => {
      for (const key of names()) out.push({ labels: { key }, value: gate.counts(key)!.requests });
    },
  });
  metrics.add({
    name: 'olla_client_key_tokens_total',
    help: 'Tokens used per client API key, from the backends\u2019 reported usage',
    type: 'counter',
    collect: (out) => {
      for (const key of names()) {
        const counts = gate.counts(key)!;
        out.push({ labels: { key, direction: 'input' }, value: counts.tokensIn });
        out.push({ labels: { key, direction: 'output' }, value: counts.tokensOut });
      }
    },
  });
  metrics.add({
    name: 'olla_client_key_rejections_total',
    help: 'Requests refused per client API key and reason (key "none": no or an unknown key)',
    type: 'counter',
    collect: (out) => {
      out.push({ labels: { key: 'none', reason: 'unauthenticated' }, value: gate.unauthenticated });
      for (const key of names()) {
        const rejections = gate.counts(key)!.rejections;
        for (const reason of KEY_REJECTIONS) out.push({ labels: { key, reason }, value: rejections[reason] });
      }
    },
  });
}
