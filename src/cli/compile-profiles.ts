/**
 * Build step (`npm run build`, after tsc): parses the shipped profiles once and writes them beside
 * the compiled loader, so start-up reads JSON instead of parsing and validating YAML.
 */
import { writeFile } from 'node:fs/promises';
import { COMPILED_PROFILES_FILE } from '../adapter/profile/compiled-profiles.js';
import { compileProfiles } from '../adapter/profile/load-profiles.js';

await writeFile(COMPILED_PROFILES_FILE, JSON.stringify(await compileProfiles()));
