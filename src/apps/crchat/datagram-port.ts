/**
 * A connected UDP endpoint as the client's login needs it: send to the server, hear replies.
 *
 * Why an interface: loginOverUdp runs unchanged over a real dgram socket and over a
 * function call into LoginService in tests (which can also drop datagrams on purpose).
 */
export interface DatagramPort {
  send(datagram: Buffer): void;
  onMessage(listener: (datagram: Buffer) => void): void;
  close(): void;
}
