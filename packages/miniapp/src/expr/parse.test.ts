import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExprError, parseExpr, parseInterp, parseTemplateData } from './parse.ts';
import { evalInterp, evaluate } from './evaluate.ts';
import { dataScope } from '../runtime/render.ts';

const run = (src: string, data: Record<string, unknown> = {}) => evaluate(parseExpr(src), dataScope(data));

test('literals, member access, arithmetic and string concatenation', () => {
  assert.equal(run('1 + 2 * 3'), 7);
  assert.equal(run('(1 + 2) * 3'), 9);
  assert.equal(run("'room ' + id", { id: 7 }), 'room 7');
  assert.equal(run('user.name', { user: { name: 'ann' } }), 'ann');
  assert.equal(run("list[1].n + list.length", { list: [{ n: 1 }, { n: 2 }] }), 4);
  assert.equal(run('a["b-c"]', { a: { 'b-c': 5 } }), 5);
  assert.equal(run('-x + +y', { x: 2, y: '3' }), 1);
  assert.equal(run('10 % 4 / 2'), 1);
  assert.equal(run("'it\\'s'"), "it's");
});

test('comparison, logic, ternaries (nested, right-associative) and ??', () => {
  assert.equal(run('a > 1 && b', { a: 2, b: 'yes' }), 'yes');
  assert.equal(run('a || "none"', { a: '' }), 'none');
  assert.equal(run('!on ? "off" : n === 1 ? "one" : "many"', { on: true, n: 2 }), 'many');
  assert.equal(run('n === 1 ? "one" : "many"', { n: 1 }), 'one');
  assert.equal(run('x ?? 3', {}), 3);
  assert.equal(run('a == 1 && b != 2', { a: '1', b: 3 }), true);
  assert.equal(run('typeof a', {}), 'undefined');
  assert.equal(run('a <= 2 || a >= 9', { a: 5 }), false);
});

test('missing fields are undefined, never a TypeError; the prototype is out of reach', () => {
  assert.equal(run('a.b.c.d', {}), undefined);
  assert.equal(run('a.constructor', { a: {} }), undefined);
  assert.equal(run('a.__proto__', { a: {} }), undefined);
  assert.equal(run('toString', {}), undefined);
  assert.equal(run("s['constructor']", { s: 'x' }), undefined);
  assert.equal(run('a.push', { a: [] }), undefined); // no methods
  assert.equal(run('s.length', { s: 'abc' }), 3);
});

test('array and object literals, spread', () => {
  assert.deepEqual(run('[a, 2]', { a: 1 }), [1, 2]);
  assert.deepEqual(run('{x: a, ...b}', { a: 1, b: { y: 2 } }), { x: 1, y: 2 });
  assert.deepEqual(evaluate(parseTemplateData('a, b: 2, ...c'), dataScope({ a: 1, c: { d: 4 } })), { a: 1, b: 2, d: 4 });
  assert.deepEqual(evaluate(parseTemplateData('...item'), dataScope({ item: { id: 'x' } })), { id: 'x' });
});

test('calls and syntax errors are refused with the position', () => {
  assert.throws(() => parseExpr('alert(1)'), /function calls are not allowed/);
  assert.throws(() => parseExpr('a +'), (e: unknown) => e instanceof ExprError && e.offset === 3);
  assert.throws(() => parseExpr('a b'), /unexpected "b"/);
  assert.throws(() => parseExpr("'open"), /unterminated string/);
  assert.throws(() => parseExpr('a = 1'), /unexpected character "="/);
});

test('interpolation: a single binding keeps its type, mixed text is a string', () => {
  const scope = dataScope({ n: 2, on: false, o: { a: 1 } });
  assert.equal(evalInterp(parseInterp('{{n}}'), scope), 2);
  assert.equal(evalInterp(parseInterp('{{ on }}'), scope), false);
  assert.equal(evalInterp(parseInterp('n={{n}}, {{missing}}!'), scope), 'n=2, !');
  assert.equal(evalInterp(parseInterp('{{o}}'), scope), scope('o'));
  assert.equal(evalInterp(parseInterp('x{{o}}'), scope), 'x{"a":1}');
  assert.equal(evalInterp(parseInterp('{{ {a: {b: n}} }}'), scope) instanceof Object, true);
  assert.throws(() => parseInterp('a {{ b'), /without a closing/);
  assert.throws(() => parseInterp('a {{ b + }}'), (e: unknown) => e instanceof ExprError && e.offset === 9 && /unexpected end/.test(e.message));
});
