/**
 * Every text the BlueTrace programs print for a user-visible event.
 *
 * Why one place: the lab's scenarios match these strings exactly; the assignment
 * fixes several of them word for word, and docs/protocols/bluetrace.md lists them.
 */
export const MSG = {
  usernamePrompt: 'Username: ',
  passwordPrompt: 'Password: ',
  welcome: 'Welcome to the BlueTrace Simulator!',
  wrongPassword: 'Invalid Password. Please try again',
  nowBlocked: 'Invalid Password. Your account has been blocked. Please try again later',
  blocked: 'Your account is blocked due to multiple login failures. Please try again later',
  unknownUser: 'Invalid Username. Please try again',
  invalidCommand: 'Error. Invalid command',
  noTempId: 'Beacon not sent: no TempID. Use Download_tempID first',
  expiredTempId: 'Beacon not sent: TempID expired. Use Download_tempID first',
  connectionLost: 'Connection to server lost. Exiting',
  beaconValid: 'The beacon is valid.',
  beaconInvalid: 'The beacon is invalid.',
  contactLogChecking: 'Contact log checking',
} as const;

/** `TempID: <id>`, printed by the client and (after `user: <userID>`) by the server. */
export const tempIdLine = (id: string): string => `TempID: ${id}`;
/** `user: <userID>`, printed by the server when it hands out a TempID. */
export const userLine = (userId: string): string => `user: ${userId}`;
/** `<userID> logout`, printed by the server. */
export const logoutLine = (userId: string): string => `${userId} logout`;
/** `<tempID>, <start>, <expiry>;` one contact-log entry as listed on upload. */
export const entryLine = (tempId: string, start: string, expiry: string): string => `${tempId}, ${start}, ${expiry};`;
/** `<phone>, <start>, <tempID>;` one line of contact log checking. */
export const checkLine = (phone: string, start: string, tempId: string): string => `${phone}, ${start}, ${tempId};`;
