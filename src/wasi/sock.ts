// Sockets: preview1 guests can reach none (waft gives no socket fds), as with wasmtime's p1.
import { ERRNO } from './constants.ts';
import type { WasiContext } from './context.ts';

export function sockCalls(ctx: WasiContext): Record<string, (...args: any[]) => number> {
  // Like wasmtime: EBADF for a closed fd, ENOTSOCK for any open one.
  const notSocket = (fd: number): number => {
    ctx.fds.get(fd);
    return ERRNO.NOTSOCK;
  };
  return {
    sock_accept: (fd: number) => notSocket(fd),
    sock_recv: (fd: number) => notSocket(fd),
    sock_send: (fd: number) => notSocket(fd),
    sock_shutdown: (fd: number) => notSocket(fd),
  };
}
