/**
 * A process that logs through Olla's stdout destination and then ends as the test asks:
 *   node --import tsx flush-fixture.ts <lines> exit|throw|reject|linger|gone
 * `linger` logs and stays up, so the test can see lines arrive without an exit flush; `gone`
 * logs once more after a pause (the test has closed the pipe by then) and exits.
 */
import { createLogger } from './logger.js';

const [count = '0', ending = 'exit'] = process.argv.slice(2);
const logger = createLogger({ level: 'info', format: 'json' }, { pretty: false });
for (let i = 0; i < Number(count); i++)
  logger.info({ i, path: '/olla/proxy/v1/chat/completions' }, 'request completed');
if (ending === 'exit') process.exit(0);
if (ending === 'throw') throw new Error('crash after logging');
if (ending === 'reject') setTimeout(() => Promise.reject(new Error('late crash')), 1);
if (ending === 'linger') setTimeout(() => process.exit(0), 5000);
if (ending === 'gone')
  setTimeout(() => {
    logger.info('after the reader left');
    process.exit(0);
  }, 300);
