/**
 * Why `/internal/explain` says an endpoint was kept for a request or left out. A closed set so
 * clients can branch on it; features that narrow the candidates further add their reason here.
 */
export const CandidateVerdict = {
  /** May serve the request; the balancer chooses among the kept ones. */
  kept: 'kept',
  /** Kept, but its circuit breaker is open: used only when every kept endpoint's is. */
  breakerOpen: 'breaker_open',
  /** Its health state takes no traffic (offline, unhealthy, unknown, ...). */
  unhealthy: 'unhealthy',
  /** Its type is not one the route's provider prefix serves. */
  wrongType: 'wrong_type',
  /** Passive outlier detection took it out after failed requests, until the ejection ends. */
  ejected: 'ejected',
  /** Discovery has not seen the model (or an alias target) on it. */
  lacksModel: 'lacks_model',
  /** A model filter (`model_filter`, or the endpoint's own) hides the model on it. */
  filtered: 'filtered',
  /** It has the model, but the request needs a capability (vision, tools, ...) other nodes have. */
  lacksCapability: 'lacks_capability',
  /** Kept, but at its concurrency limit: the request waits for a slot while no kept node has room. */
  atLimit: 'at_limit',
} as const;

export type CandidateVerdict = (typeof CandidateVerdict)[keyof typeof CandidateVerdict];
