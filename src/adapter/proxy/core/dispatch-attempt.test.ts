import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { Dispatcher } from '../../http/undici.js';
import { DispatchAttempt } from './dispatch-attempt.js';
import type { AttemptListener, UpstreamAttempt } from './transport.js';

/** A dispatcher that only keeps the handler, so a test can play undici's side of the calls. */
function fakeDispatcher(): { dispatcher: Dispatcher; handler: () => Dispatcher.DispatchHandler } {
  let handler: Dispatcher.DispatchHandler | undefined;
  const dispatcher = {
    dispatch(_options: Dispatcher.DispatchOptions, given: Dispatcher.DispatchHandler) {
      handler = given;
      return true;
    },
  } as unknown as Dispatcher;
  return { dispatcher, handler: () => handler! };
}

function fakeController() {
  const calls: string[] = [];
  const controller = {
    abort: (reason: Error) => calls.push(`abort ${reason.message}`),
    pause: () => calls.push('pause'),
    resume: () => calls.push('resume'),
  } as unknown as Dispatcher.DispatchController;
  return { controller, calls };
}

class Events implements AttemptListener {
  readonly seen: string[] = [];
  readonly errors: Error[] = [];
  onUpstreamHeaders(_attempt: UpstreamAttempt, status: number, _headers: IncomingHttpHeaders): void {
    this.seen.push(`headers ${status}`);
  }
  onUpstreamData(_attempt: UpstreamAttempt, chunk: Buffer): void {
    this.seen.push(`data ${chunk}`);
  }
  onUpstreamEnd(): void {
    this.seen.push('end');
  }
  onUpstreamError(_attempt: UpstreamAttempt, error: Error): void {
    this.errors.push(error);
  }
}

const OPTIONS = { path: '/', method: 'GET' } as Dispatcher.DispatchOptions;

/** An attempt started and handed its connection, as undici hands one over. */
function connected(events = new Events()) {
  const { dispatcher, handler } = fakeDispatcher();
  const attempt = new DispatchAttempt(events, dispatcher, OPTIONS);
  attempt.start();
  const { controller, calls } = fakeController();
  handler().onRequestStart?.(controller, {});
  return { attempt, handler, controller, calls };
}

describe('DispatchAttempt', () => {
  it('hands a final response to the listener, skipping interim 1xx heads', () => {
    const events = new Events();
    const { handler, controller } = connected(events);
    handler().onResponseStart?.(controller, 100, {}, '');
    handler().onResponseStart?.(controller, 200, {}, '');
    handler().onResponseData?.(controller, Buffer.from('x'));
    handler().onResponseEnd?.(controller, {});
    expect(events.seen).toEqual(['headers 200', 'data x', 'end']);
  });

  it('aborts a request that was abandoned while it waited for a connection, once it has one', () => {
    const { dispatcher, handler } = fakeDispatcher();
    const attempt = new DispatchAttempt(new Events(), dispatcher, OPTIONS);
    attempt.start();
    attempt.abort(new Error('client went away'));
    const { controller, calls } = fakeController();
    handler().onRequestStart?.(controller, {});
    expect(calls).toEqual(['abort client went away']);
  });

  it('ignores an abort once the response has ended', () => {
    const { attempt, handler, controller, calls } = connected();
    handler().onResponseEnd?.(controller, {});
    attempt.abort(new Error('late'));
    expect(calls).toEqual([]);
  });

  it('passes pause and resume to undici', () => {
    const { attempt, calls } = connected();
    attempt.pause();
    attempt.resume();
    expect(calls).toEqual(['pause', 'resume']);
  });

  it('names a failure through the transport, telling it whether the response had begun', () => {
    const named: boolean[] = [];
    const rename = (error: Error, responded: boolean) => {
      named.push(responded);
      return new Error(`named: ${error.message}`);
    };
    for (const status of [0, 200]) {
      const { dispatcher, handler } = fakeDispatcher();
      const events = new Events();
      new DispatchAttempt(events, dispatcher, OPTIONS, rename).start();
      const { controller } = fakeController();
      handler().onRequestStart?.(controller, {});
      if (status > 0) handler().onResponseStart?.(controller, status, {}, '');
      handler().onResponseError?.(controller, new Error('other side closed'));
      expect(events.errors.map((e) => e.message)).toEqual(['named: other side closed']);
    }
    expect(named).toEqual([false, true]);
  });

  it('reports a failure as undici raised it when the transport does not rename it', () => {
    const { dispatcher, handler } = fakeDispatcher();
    const events = new Events();
    new DispatchAttempt(events, dispatcher, OPTIONS).start();
    const original = new Error('connect ECONNREFUSED');
    handler().onResponseError?.(fakeController().controller, original);
    expect(events.errors).toEqual([original]);
  });
});
