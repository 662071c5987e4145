import { expect, it } from 'vitest';
import { parseUserInput } from './user-input.js';

it.each([
  ['0: Good morning everyone!', { kind: 'broadcast', text: 'Good morning everyone!' }],
  ['1: Hi Alice, how are you today?', { kind: 'one', to: 1, text: 'Hi Alice, how are you today?' }],
  ['1,3: Meeting at 3 PM, don\'t forget!', { kind: 'many', to: [1, 3], text: "Meeting at 3 PM, don't forget!" }],
  [' 2 , 4 :x: y', { kind: 'many', to: [2, 4], text: 'x: y' }],
  ['3,3: twice', { kind: 'one', to: 3, text: 'twice' }],
  ['logout', { kind: 'logout' }],
  ['LOGOUT ', { kind: 'logout' }],
])('%s', (line, want) => {
  expect(parseUserInput(line)).toEqual(want);
});

it.each(['hello', '1:', 'a: b', '0,2: mixed', ': x'])('%s is not a message', (line) => {
  expect(parseUserInput(line).kind).toBe('invalid');
});
