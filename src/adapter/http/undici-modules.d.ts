// undici types only its index; the modules undici.ts imports by path are typed where they are used.
declare module 'undici/lib/api/index.js';
declare module 'undici/lib/dispatcher/dispatcher.js';
declare module 'undici/lib/dispatcher/agent.js';
declare module 'undici/lib/dispatcher/pool.js';
declare module 'undici/lib/global.js';
