/** Units for writing defaults legibly: durations are milliseconds, sizes bytes. */
export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const MIB = 1024 * 1024;
