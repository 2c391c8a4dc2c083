// The receipt code, computed on the voter's phone before the ballot is sent (docs/voting.md):
// the page draws the ballot's random id itself, so a voter whose response was lost still knows
// the code that will be on the bulletin board, and the database never needs to link a token to
// a ballot to tell them. The code is the first 80 bits of SHA-256 of the canonical ballot —
// {"answers", "group_id", "id", "round_id"}, keys sorted by code point, no spaces, UTF-8, numbers
// as Python writes them — the very bytes the server seals and the mixer hashes
// (ballots/forms.py: canonical, tracker, short_tracker). Plain ES5 with no library: WeChat's
// browser, and pages served over plain http, where crypto.subtle is missing.
(function (root) {
  "use strict";
  var ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  // What Python's str.strip() removes (str.isspace), which is not quite String.prototype.trim.
  var SPACE = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
  var EDGES = new RegExp("^[" + SPACE + "]+|[" + SPACE + "]+$", "g");

  function pyStrip(s) { return String(s).replace(EDGES, ""); }

  function codePoints(s) {
    var out = [];
    for (var i = 0; i < s.length; i += 1) {
      var c = s.charCodeAt(i);
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
        var d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d < 0xe000) { out.push((c - 0xd800) * 0x400 + d - 0xdc00 + 0x10000); i += 1; continue; }
      }
      out.push(c);
    }
    return out;
  }

  function byCodePoint(a, b) {  // Python's order of strings
    var x = codePoints(a), y = codePoints(b);
    for (var i = 0; i < x.length && i < y.length; i += 1) {
      if (x[i] !== y[i]) { return x[i] - y[i]; }
    }
    return x.length - y.length;
  }

  function integerText(n) {
    if (Math.abs(n) < 1e21) { return n.toFixed(0).replace(/^-0$/, "0"); }
    return typeof BigInt === "function" ? BigInt(n).toString() : String(n);
  }

  // repr() of a Python float that is not an integer: the shortest digits that read back, in
  // positional form from 1e-4 up, in exponent form (1e-05, 1.5e-07) below.
  function floatText(n) {
    var m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(n.toExponential());
    var sign = m[1], digits = m[2] + (m[3] || ""), exp = parseInt(m[4], 10);
    if (exp < -4 || exp >= 16) {
      var e = Math.abs(exp) < 10 ? "0" + Math.abs(exp) : String(Math.abs(exp));
      return sign + digits.charAt(0) + (digits.length > 1 ? "." + digits.slice(1) : "") + "e" + (exp < 0 ? "-" : "+") + e;
    }
    if (exp < 0) { return sign + "0." + new Array(-exp).join("0") + digits; }
    var whole = digits.slice(0, exp + 1), frac = digits.slice(exp + 1);
    while (whole.length < exp + 1) { whole += "0"; }
    return sign + whole + "." + (frac || "0");
  }

  function canonical(v) {
    if (v === null) { return "null"; }
    if (typeof v === "boolean") { return v ? "true" : "false"; }
    // A number from the page is a score: Python keeps an integral one as an int (pages._score).
    if (typeof v === "number") { return v % 1 === 0 ? integerText(v) : floatText(v); }
    if (typeof v === "string") { return JSON.stringify(v); }
    if (Object.prototype.toString.call(v) === "[object Array]") {
      return "[" + v.map(canonical).join(",") + "]";
    }
    var keys = Object.keys(v).sort(byCodePoint);
    return "{" + keys.map(function (k) { return JSON.stringify(k) + ":" + canonical(v[k]); }).join(",") + "}";
  }

  function utf8(s) {
    var out = [], cps = codePoints(s);
    cps.forEach(function (c) {
      if (c < 0x80) { out.push(c); }
      else if (c < 0x800) { out.push(0xc0 | (c >> 6), 0x80 | (c & 63)); }
      else if (c < 0x10000) { out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63)); }
      else { out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63)); }
    });
    return out;
  }

  var K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2];

  function sha256(bytes) {  // FIPS 180-4, on an array of bytes; returns 32 bytes
    var h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    var data = bytes.slice(), bits = bytes.length * 8, w = new Array(64), i, j;
    data.push(0x80);
    while (data.length % 64 !== 56) { data.push(0); }
    for (i = 7; i >= 0; i -= 1) { data.push(i >= 4 ? 0 : (bits / Math.pow(2, 8 * i)) & 255); }
    function rotr(x, n) { return (x >>> n) | (x << (32 - n)); }
    for (j = 0; j < data.length; j += 64) {
      for (i = 0; i < 16; i += 1) {
        w[i] = (data[j + 4 * i] << 24) | (data[j + 4 * i + 1] << 16) | (data[j + 4 * i + 2] << 8) | data[j + 4 * i + 3];
      }
      for (i = 16; i < 64; i += 1) {
        var s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
        var s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
      }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
      for (i = 0; i < 64; i += 1) {
        var t1 = (k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
        var t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        k = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h = [h[0] + a, h[1] + b, h[2] + c, h[3] + d, h[4] + e, h[5] + f, h[6] + g, h[7] + k].map(function (x) { return x | 0; });
    }
    var out = [];
    h.forEach(function (x) { out.push((x >>> 24) & 255, (x >>> 16) & 255, (x >>> 8) & 255, x & 255); });
    return out;
  }

  function shortTracker(digest) {  // the first 80 bits in the token alphabet, in groups of four
    var chars = "";
    for (var i = 0; i < 16; i += 1) {
      var bit = 5 * i, value = 0;
      for (var b = 0; b < 5; b += 1) {
        var at = bit + b;
        value = (value << 1) | ((digest[at >> 3] >> (7 - (at & 7))) & 1);
      }
      chars += ALPHABET.charAt(value);
    }
    return chars.replace(/(.{4})(?=.)/g, "$1-");
  }

  function newBallotId() {  // a random UUID (version 4), as the server would draw it
    var b = new Uint8Array(16), hex = "";
    (root.crypto || root.msCrypto).getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    for (var i = 0; i < 16; i += 1) { hex += (b[i] < 16 ? "0" : "") + b[i].toString(16); }
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function tracker(ballotId, roundId, groupId, answers) {
    var ballot = { answers: answers, group_id: groupId, id: ballotId, round_id: roundId };
    return shortTracker(sha256(utf8(canonical(ballot))));
  }

  root.PingyiTracker = { canonical: canonical, pyStrip: pyStrip, byCodePoint: byCodePoint, sha256: sha256,
                         utf8: utf8, shortTracker: shortTracker, newBallotId: newBallotId, tracker: tracker };
})(window);
