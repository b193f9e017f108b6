import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';

/** Where this process's TCP clients tried to connect, from the start of {@link recordConnections} to `stop()`. */
export interface ConnectionLog {
  /** Every `ip:port` a client socket attempted, and every host name it looked up (`lookup host`). */
  readonly attempts: readonly string[];
  stop(): void;
}

/**
 * Record every outgoing TCP connection attempt of this process (HTTP agents, undici's `fetch`, drivers),
 * through Node's `net.client.socket` diagnostics channel: each new client socket reports its host name
 * lookups and its connection attempts, including attempts that fail. Tests assert that every one went to
 * 127.0.0.1.
 */
export function recordConnections(): ConnectionLog {
  const attempts: string[] = [];
  const onSocket = (message: unknown): void => {
    const socket = (message as { socket: Socket }).socket;
    socket.on('lookup', (_err: Error | null, _address: string, _family: unknown, host: string) => attempts.push(`lookup ${host}`));
    socket.on('connectionAttempt', (ip: string, port: number) => attempts.push(`${ip}:${port}`));
  };
  subscribe('net.client.socket', onSocket);
  return { attempts, stop: () => unsubscribe('net.client.socket', onSocket) };
}
