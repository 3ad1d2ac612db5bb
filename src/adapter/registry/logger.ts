/** The slice of pino the model catalogue, router and discovery log through (pino-compatible). */
export interface ModelLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export const silentLogger: ModelLogger = { debug() {}, info() {}, warn() {} };
