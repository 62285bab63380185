// libp2p 3 uses Promise.withResolvers (ES2024), which Node 20 lacks. Every entry point and the test setup
// import this module before libp2p is first loaded. It is the only place the polyfill lives.
interface PromiseWithResolversShape<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

type PromiseCtorWithResolvers = PromiseConstructor & {
  withResolvers?: <T>() => PromiseWithResolversShape<T>;
};

const promiseCtor = Promise as PromiseCtorWithResolvers;
if (typeof promiseCtor.withResolvers !== "function") {
  promiseCtor.withResolvers = <T>(): PromiseWithResolversShape<T> => {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

export {};
