/** Models as discovered on one endpoint, and as unified across endpoints. */

export type ModelCapability =
  | 'chat'
  | 'completion'
  | 'vision'
  | 'embeddings'
  | 'tools'
  | 'code'
  | 'reasoning'
  | (string & {});

/**
 * The capabilities a request needs of a model, worked out from its body only when routing asks.
 * Working them out searches the whole body (some 2 ms for 10 MB), and most routing comes out the
 * same whatever the answer: one candidate, or a fleet where every node has a model with the
 * capability, or none does.
 */
export interface CapabilityNeeds {
  /** Every capability the request could turn out to need. */
  readonly possible: readonly ModelCapability[];
  /** What it needs; the first call reads the body, later ones answer from that. */
  needed(): readonly ModelCapability[];
}

export interface ModelDetails {
  family?: string;
  families?: string[];
  parameterSize?: string;
  quantizationLevel?: string;
  format?: string;
  parentModel?: string;
  contextLength?: number;
  maxContextLength?: number;
  digest?: string;
  publisher?: string;
  /** e.g. `loaded` / `not-loaded` for LM Studio. */
  state?: string;
  type?: string;
  modifiedAt?: string;
  expiresAt?: string;
  /** Lemonade: the Hugging Face checkpoint a model was built from. */
  checkpoint?: string;
  /** Lemonade: the inference engine (oga-cpu, oga-npu, llamacpp, flm). */
  recipe?: string;
}

/** A model as one endpoint reports it. */
export interface ModelInfo {
  name: string;
  size?: number;
  description?: string;
  type?: string;
  details?: ModelDetails;
  capabilities?: ModelCapability[];
  lastSeen: number; // epoch ms
}

export interface SourceEndpoint {
  endpointName: string;
  endpointUrl: string;
  /** The name this endpoint knows the model by. */
  nativeName: string;
  state: string;
  lastSeen: number;
  diskSize?: number;
  /** The endpoint's normalised platform (type without `-`/`_`), used to pick native names per format. */
  platform?: string;
}

/** One model, merged across every endpoint that serves it. */
export interface UnifiedModel {
  id: string;
  family: string;
  variant: string;
  parameterSize: string;
  parameterCount: number;
  quantization: string;
  format: string;
  aliases: string[];
  sourceEndpoints: SourceEndpoint[];
  capabilities: ModelCapability[];
  maxContextLength?: number;
  diskSize: number;
  lastSeen: number;
  metadata: Record<string, unknown>;
}
