/** Imported first by main.ts, so the nursery is held small before the rest of Olla loads. */
import { holdYoungGeneration } from './young-generation.js';

holdYoungGeneration();
