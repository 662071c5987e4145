import Logger, { LogLevel } from '@matrixai/logger';

/** The seed's ALPN. */
export const ALPN = 'chat-protocol';

/**
 * QUIC's own idle timeout (ms), above the chat's silence timeout (90 s) so that the chat's
 * keep-alive, not QUIC, decides when a quiet client is gone.
 */
const QUIC_IDLE_TIMEOUT_MS = 120_000;

/** Transport settings both ends share: one bidirectional stream per connection, no unidirectional ones. */
export const QUIC_COMMON = {
  applicationProtos: [ALPN],
  maxIdleTimeout: QUIC_IDLE_TIMEOUT_MS,
  initialMaxStreamsBidi: 1,
  initialMaxStreamsUni: 0,
  initialMaxData: 1 << 20,
  initialMaxStreamDataBidiLocal: 256 * 1024,
  initialMaxStreamDataBidiRemote: 256 * 1024,
};

/** The library's logger, silenced: the apps print their own lines. */
export function quietLogger(): Logger {
  return new Logger('quic', LogLevel.SILENT);
}
