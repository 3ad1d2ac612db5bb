/** Imported first by main.ts, so the cap is in place before the rest of Olla loads. */
import { capYoungGeneration } from './young-generation.js';

capYoungGeneration();
