import { expect } from 'chai';
import { Disposable, EventEmitter, type ExtensionContext } from '../src/index.js';

describe('sdk: Disposable and Event', () => {
  it('disposes once, and Disposable.from disposes last first', () => {
    const order: string[] = [];
    const a = new Disposable(() => order.push('a'));
    const all = Disposable.from(a, { dispose: () => order.push('b') }, new Disposable(() => order.push('c')));
    all.dispose();
    all.dispose();
    a.dispose();
    expect(order).to.deep.equal(['c', 'b', 'a']);
    expect(a.isDisposed).to.equal(true);
  });

  it('delivers to listeners until their subscription is disposed, and pushes it into disposables', () => {
    const emitter = new EventEmitter<number>();
    const seen: number[] = [];
    const bag: Disposable[] = [];
    const subscription = emitter.event((n) => seen.push(n), undefined, bag);
    emitter.fire(1);
    expect(bag).to.deep.equal([subscription]);
    subscription.dispose();
    emitter.fire(2);
    expect(seen).to.deep.equal([1]);
    expect(emitter.listenerCount).to.equal(0);
  });

  it('lets ctx.subscriptions and an event\'s disposables take any object with dispose() (typechecked)', () => {
    const subscriptions: ExtensionContext['subscriptions'] = [];
    let closed = 0;
    subscriptions.push({ dispose: () => closed++ }, new Disposable(() => closed++));
    const emitter = new EventEmitter<number>();
    emitter.event(() => undefined, undefined, subscriptions);
    for (const item of subscriptions.splice(0).reverse()) item.dispose();
    expect(closed).to.equal(2);
    expect(emitter.listenerCount).to.equal(0);
  });

  it('keeps calling the other listeners when one throws, and reports the error', async () => {
    class Recording<T> extends EventEmitter<T> {
      errors: unknown[] = [];
      protected override onListenerError(error: unknown): void {
        this.errors.push(error);
      }
    }
    const emitter = new Recording<string>();
    const seen: string[] = [];
    emitter.event(() => {
      throw new Error('first fails');
    });
    emitter.event((s) => seen.push(s));
    emitter.fire('x');
    expect(seen).to.deep.equal(['x']);
    expect((emitter.errors[0] as Error).message).to.equal('first fails');
  });

  it('binds thisArgs and ignores subscriptions after dispose', () => {
    const emitter = new EventEmitter<void>();
    const target = { count: 0 };
    emitter.event(function (this: typeof target) {
      this.count++;
    }, target);
    emitter.fire();
    emitter.dispose();
    emitter.event(() => {
      target.count += 100;
    });
    emitter.fire();
    expect(target.count).to.equal(1);
  });
});
