/**
 * The rules the unifier extracts family, variant, publisher, quantisation and capabilities by:
 * the same defaults the original ships in `config/models.yaml`, kept as data so a later loader
 * can swap in an operator's own file without touching the extraction code.
 */

export interface FamilyPattern {
  readonly pattern: RegExp;
  readonly familyGroup: number;
  readonly variantGroup: number;
}

export interface ExtractionRules {
  readonly familyPatterns: readonly FamilyPattern[];
  readonly architectureMappings: ReadonlyMap<string, string>;
  readonly familyAliases: ReadonlyMap<string, string>;
  readonly publisherMappings: ReadonlyMap<string, string>;
  readonly quantisationMappings: ReadonlyMap<string, string>;
  readonly typeCapabilities: ReadonlyMap<string, readonly string[]>;
  readonly nameCapabilities: readonly { readonly pattern: RegExp; readonly capabilities: readonly string[] }[];
  readonly contextThresholds: { readonly extended: number; readonly long: number; readonly ultraLong: number };
  readonly preserveFamily: readonly string[];
  readonly genericNames: readonly string[];
  /** Bare family names the delimiter fallback recognises when no alias applies. */
  readonly knownFamilies: readonly string[];
}

const fam = (pattern: string): FamilyPattern => ({ pattern: new RegExp(pattern), familyGroup: 1, variantGroup: 2 });
const tail = (names: string) => `^(${names})(?:[-_.:](.+))?(?:$|[^a-zA-Z])`;
const versioned = (names: string) => `^(${names})(?:[-_.:]?(\\d+(?:\\.\\d+)?))?(?:$|[^a-zA-Z])`;
const map = (entries: Record<string, string>) => new Map(Object.entries(entries));
const sameFamily = (family: string, ...names: string[]) => Object.fromEntries(names.map((n) => [n, family]));

export const DEFAULT_RULES: ExtractionRules = {
  familyPatterns: [
    fam('^(mistral|mixtral)[-_]?(.+)'),
    fam('^(llama|gemma|phi|qwen)[-_]?(\\d+(?:\\.\\d+)?)'),
    fam(
      '^[^/]+/(phi|llama|gemma|qwen|mistral|glm|granite|nemotron|exaone|kimi|minimax|hunyuan|olmo|internlm|smollm)(?:[-_.:]?(\\d+(?:\\.\\d+)?))?(?:$|[^a-zA-Z])',
    ),
    fam('^(codellama|starcoder|vicuna|falcon|yi)[-_]?(\\d+[bB]?)'),
    fam(tail('gpt-oss')),
    fam('^(gpt)(?:[-_.:]?(2|j|neox))?(?:$|[^a-zA-Z])'),
    fam(tail('deepseek')),
    fam(tail('devstral|magistral|codestral|ministral')),
    fam(versioned('glm')),
    fam(tail('kimi')),
    fam(versioned('granite')),
    fam(tail('nemotron')),
    fam(versioned('exaone')),
    fam(tail('hunyuan')),
    fam(tail('minimax')),
    fam(tail('seed-oss')),
    fam(versioned('olmo')),
    fam(versioned('internlm')),
    fam(versioned('smollm')),
    fam(tail('command-r')),
    fam('^(?:[^/]+/)?(forge)(?:[-_.:](.+))?(?:$|[^a-zA-Z])'),
  ],
  architectureMappings: map({
    ...sameFamily('phi', 'phi3', 'phi3.5', 'phi4'),
    ...sameFamily('llama', 'llama', 'llama2', 'llama3', 'llama3.1', 'llama3.2', 'llama3.3', 'llama4'),
    ...sameFamily('gemma', 'gemma', 'gemma2', 'gemma3', 'gemma4'),
    ...sameFamily('qwen', 'qwen', 'qwen2', 'qwen2.5', 'qwen3', 'qwen3.5', 'qwen3.6'),
    ...sameFamily('glm', 'glm4', 'glm5', 'glm4moe', 'glm'),
    ...sameFamily('granite', 'granite', 'granitemoe', 'granitehybrid'),
    ...sameFamily('exaone', 'exaone', 'exaone4'),
    ...sameFamily('seed-oss', 'seed-oss', 'seed_oss'),
    ...sameFamily('olmo', 'olmo', 'olmo2'),
    ...sameFamily('internlm', 'internlm', 'internlm2', 'internlm3'),
    ...sameFamily('smollm', 'smollm', 'smollm2', 'smollm3'),
    ...Object.fromEntries(
      [
        'mistral',
        'mixtral',
        'deepseek',
        'yi',
        'starcoder',
        'codellama',
        'vicuna',
        'falcon',
        'gpt2',
        'gptj',
        'gptneox',
        'bloom',
        'opt',
        'mpt',
        'kimi',
        'nemotron',
        'hunyuan',
        'minimax',
        'command-r',
      ].map((n) => [n, n]),
    ),
  }),
  familyAliases: map({
    ...sameFamily('llama', 'llama3', 'llama3.2', 'llama3.3', 'llama4'),
    ...sameFamily('gemma', 'gemma2', 'gemma3', 'gemma4'),
    ...sameFamily('phi', 'phi3', 'phi3.5', 'phi4'),
    ...sameFamily('qwen', 'qwen2', 'qwen2.5', 'qwen3', 'qwen3.5'),
    ...sameFamily('deepseek', 'deepseek2', 'deepseek3', 'deepseek4'),
    ...sameFamily('mistral', 'devstral', 'magistral', 'codestral', 'ministral'),
    ...sameFamily('glm', 'glm4', 'glm4moe'),
    ...sameFamily('granite', 'granitemoe', 'granitehybrid'),
    exaone4: 'exaone',
    ...sameFamily('seed-oss', 'seed-oss', 'seed_oss'),
    olmo2: 'olmo',
    ...sameFamily('internlm', 'internlm2', 'internlm3'),
    ...sameFamily('smollm', 'smollm2', 'smollm3'),
  }),
  publisherMappings: map({
    llama: 'meta',
    codellama: 'meta',
    gemma: 'google',
    phi: 'microsoft',
    mistral: 'mistral',
    mixtral: 'mistral',
    qwen: 'alibaba',
    yi: '01-ai',
    deepseek: 'deepseek',
    starcoder: 'bigcode',
    falcon: 'tii',
    vicuna: 'lmsys',
    bloom: 'bigscience',
    opt: 'meta',
    gpt2: 'openai',
    gptj: 'eleutherai',
    gptneox: 'eleutherai',
    devstral: 'mistral',
    magistral: 'mistral',
    codestral: 'mistral',
    ministral: 'mistral',
    glm: 'zai-org',
    'gpt-oss': 'openai',
    kimi: 'moonshotai',
    granite: 'ibm',
    nemotron: 'nvidia',
    exaone: 'lg-ai',
    hunyuan: 'tencent',
    minimax: 'minimax',
    'seed-oss': 'bytedance',
    olmo: 'allenai',
    internlm: 'internlm',
    smollm: 'huggingfacetb',
    'command-r': 'cohere',
    forge: 'tensorfoundry',
  }),
  quantisationMappings: map({
    Q4_K_M: 'q4km',
    Q4_K_S: 'q4ks',
    Q3_K_L: 'q3kl',
    Q3_K_M: 'q3km',
    Q3_K_S: 'q3ks',
    Q5_K_M: 'q5km',
    Q5_K_S: 'q5ks',
    Q6_K: 'q6k',
    Q2_K: 'q2k',
    Q4_0: 'q4',
    Q4_1: 'q4_1',
    Q5_0: 'q5',
    Q5_1: 'q5_1',
    Q8_0: 'q8',
    F16: 'f16',
    FP16: 'f16',
    F32: 'f32',
    FP32: 'f32',
    BF16: 'bf16',
    GPTQ_4BIT: 'gptq4',
    'GPTQ-4BIT': 'gptq4',
    AWQ_4BIT: 'awq4',
    'AWQ-4BIT': 'awq4',
    INT8: 'int8',
    INT4: 'int4',
    Q4_K_XL: 'q4kxl',
    MXFP4: 'mxfp4',
    NVFP4: 'nvfp4',
  }),
  typeCapabilities: new Map([
    ['llm', ['text-generation', 'chat', 'completion']],
    ['vlm', ['text-generation', 'vision', 'multimodal', 'image-understanding']],
    ['embeddings', ['embeddings', 'similarity', 'vector-search']],
    ['embedding', ['embeddings', 'similarity', 'vector-search']],
  ]),
  nameCapabilities: [
    { pattern: /(code|coder|codegen|starcoder)/i, capabilities: ['code-generation', 'programming', 'code-completion'] },
    { pattern: /(instruct|chat|assistant)/i, capabilities: ['instruction-following', 'chat'] },
    { pattern: /(reasoning|think)/i, capabilities: ['reasoning', 'logic'] },
    { pattern: /(math|mathstral)/i, capabilities: ['mathematics', 'problem-solving'] },
    { pattern: /(vision|vlm|llava|bakllava)/i, capabilities: ['vision', 'multimodal', 'image-understanding'] },
  ],
  contextThresholds: { extended: 32_000, long: 100_000, ultraLong: 1_000_000 },
  preserveFamily: ['nomic-bert', 'deepseek-coder-v2', 'kimi'],
  genericNames: ['model', 'unknown', 'test', 'temp', 'default'],
  knownFamilies: [
    'llama',
    'gemma',
    'phi',
    'qwen',
    'mistral',
    'mixtral',
    'yi',
    'deepseek',
    'codellama',
    'starcoder',
    'vicuna',
    'falcon',
    'gpt2',
    'gptj',
    'gptneox',
    'bloom',
    'opt',
    'mpt',
  ],
};
