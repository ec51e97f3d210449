// Stepflow console: progressive enhancement for server-rendered pages.
// Every page works without this script; it adds the state details panel,
// live updates, JSON validation, copy buttons and a fit-to-width graph.
(function () {
  'use strict';

  var errorBox = null;

  // showError puts a script or network problem on the page in words.
  function showError(text, kind) {
    errorBox = errorBox || document.getElementById('js-error');
    if (!errorBox) { return; }
    errorBox.textContent = text;
    errorBox.hidden = false;
    errorBox.dataset.kind = kind || '';
  }
  function clearError() {
    if (errorBox && errorBox.dataset.kind === 'poll') {
      errorBox.hidden = true;
      errorBox.textContent = '';
      errorBox.dataset.kind = '';
    }
  }

  window.addEventListener('error', function (e) {
    showError('A script on this page failed: ' + (e.message || 'unknown error') + '. The page still works; reload it to try again.');
  });
  window.addEventListener('unhandledrejection', function (e) {
    var r = e.reason;
    showError('A script on this page failed: ' + (r && r.message ? r.message : String(r)) + '.');
  });

  // safely runs one enhancement, reporting its failure instead of
  // stopping the others.
  function safely(name, fn) {
    try { fn(); } catch (err) { showError('Part of the page (' + name + ') could not start: ' + err.message); }
  }

  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  // ---- State details panel -------------------------------------------

  var statusWords = {
    'succeeded': 'succeeded', 'failed': 'failed', 'caught': 'caught', 'running': 'running',
    'waiting': 'waiting for a callback', 'aborted': 'aborted', 'not-reached': 'not reached'
  };

  function selectPanel(panelId, href, stateName) {
    var panel = panelId ? document.getElementById(panelId) : null;
    if (!panel) { return false; }
    $all('.state-panel').forEach(function (p) { p.hidden = p !== panel; });
    $all('.panel-empty').forEach(function (p) { p.hidden = true; });
    $all('svg.graph .node').forEach(function (n) {
      n.classList.toggle('selected', n.getAttribute('data-state') === stateName);
    });
    document.body.dataset.selected = panelId;
    if (href && window.history && window.history.replaceState) {
      window.history.replaceState(null, '', href.split('#')[0]);
    }
    var card = document.getElementById('state-panel');
    if (card) {
      var r = card.getBoundingClientRect();
      if (r.top > window.innerHeight || r.bottom < 0) { card.scrollIntoView({ block: 'nearest' }); }
    }
    return true;
  }

  function panelForState(name) {
    var p = null;
    $all('.state-panel').forEach(function (el) { if (el.getAttribute('data-state') === name) { p = el; } });
    return p;
  }

  function initPanels() {
    document.addEventListener('click', function (e) {
      var t = e.target;
      if (!(t instanceof Element)) { return; }
      var node = t.closest('svg.graph a.node');
      if (node) {
        var href = node.getAttribute('href');
        if (selectPanel(node.getAttribute('data-panel'), href, node.getAttribute('data-state'))) {
          e.preventDefault();
        }
        return;
      }
      var step = t.closest('table.steps a[data-state]');
      if (step) {
        var p = panelForState(step.getAttribute('data-state'));
        if (p && selectPanel(p.id, step.getAttribute('href'), step.getAttribute('data-state'))) {
          e.preventDefault();
          document.getElementById('state-panel').scrollIntoView({ block: 'start' });
        }
      }
    });
    var shown = $all('.state-panel').filter(function (p) { return !p.hidden; })[0];
    if (shown) { document.body.dataset.selected = shown.id; }
  }

  // ---- Graph: fit to width ----------------------------------------------

  function initFit() {
    $all('.fit-toggle').forEach(function (b) {
      b.addEventListener('click', function () {
        var wrap = b.closest('.card').querySelector('.graph-wrap');
        if (!wrap) { return; }
        var on = wrap.classList.toggle('fit');
        b.setAttribute('aria-pressed', on ? 'true' : 'false');
        b.textContent = on ? 'Actual size' : 'Fit to view';
      });
    });
  }

  // ---- Copy buttons -------------------------------------------------------

  function initCopy() {
    document.addEventListener('click', function (e) {
      var b = e.target instanceof Element ? e.target.closest('button.copy') : null;
      if (!b) { return; }
      var src = document.getElementById(b.getAttribute('data-copy'));
      if (!src) { return; }
      var note = b.parentNode.querySelector('.copied');
      var text = src.textContent;
      var done = function (msg) { if (note) { note.textContent = msg; setTimeout(function () { note.textContent = ''; }, 4000); } };
      var selectIt = function () {
        var range = document.createRange();
        range.selectNodeContents(src);
        var sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(function () { done('Copied.'); }, function () {
          selectIt();
          done('Selected: press Ctrl+C (⌘C) to copy.');
        });
      } else {
        selectIt();
        var ok = false;
        try { ok = document.execCommand('copy'); } catch (err) { ok = false; }
        done(ok ? 'Copied.' : 'Selected: press Ctrl+C (⌘C) to copy.');
      }
    });
  }

  // ---- JSON inputs ----------------------------------------------------------

  // jsonError returns null for valid JSON, else {message, line, column, offset}.
  function jsonError(text) {
    try {
      JSON.parse(text);
      return null;
    } catch (err) {
      var msg = String(err.message || err);
      var line = 0, column = 0, offset = -1;
      var m = /line (\d+) column (\d+)/.exec(msg);
      var p = /position (\d+)/.exec(msg);
      if (p) { offset = parseInt(p[1], 10); }
      if (m) {
        line = parseInt(m[1], 10);
        column = parseInt(m[2], 10);
      } else {
        if (offset < 0 && /end of (JSON )?input/i.test(msg)) { offset = text.length; }
        if (offset >= 0) {
          var before = text.slice(0, offset).split('\n');
          line = before.length;
          column = before[before.length - 1].length + 1;
        }
      }
      if (offset < 0 && line > 0) {
        var lines = text.split('\n');
        offset = 0;
        for (var i = 0; i < line - 1 && i < lines.length; i++) { offset += lines[i].length + 1; }
        offset += column - 1;
      }
      msg = msg.replace(/^JSON\.parse: /, '').replace(/ \(line \d+ column \d+\)/, '').replace(/ at position \d+/, '');
      return { message: msg, line: line, column: column, offset: offset };
    }
  }

  function statusFor(area) {
    var id = (area.getAttribute('aria-describedby') || '').split(' ')[0];
    return id ? document.getElementById(id) : null;
  }

  // validate checks one textarea and says what it found; true when valid.
  function validate(area) {
    var status = statusFor(area);
    var text = area.value;
    if (text.trim() === '') { text = '{}'; }
    var err = jsonError(text);
    area.classList.toggle('invalid', !!err);
    area.setAttribute('aria-invalid', err ? 'true' : 'false');
    if (status) {
      status.classList.toggle('bad', !!err);
      status.classList.toggle('good', !err);
      status.textContent = err
        ? 'Not valid JSON: ' + err.message + (err.line ? ' — line ' + err.line + ', column ' + err.column + '.' : '.')
        : 'Valid JSON.';
    }
    return err;
  }

  // reindent pretty-prints JSON text without re-reading its values, so key
  // order and number text stay exactly as written.
  function reindent(text) {
    var out = '', depth = 0, inStr = false, esc = false;
    var pad = function (n) { return '\n' + new Array(n + 1).join('  '); };
    for (var i = 0; i < text.length; i++) {
      var c = text[i];
      if (inStr) {
        out += c;
        if (esc) { esc = false; } else if (c === '\\') { esc = true; } else if (c === '"') { inStr = false; }
        continue;
      }
      if (c === ' ' || c === '\n' || c === '\r' || c === '\t') { continue; }
      if (c === '"') { inStr = true; out += c; continue; }
      if (c === '{' || c === '[') {
        var j = i + 1;
        while (j < text.length && /\s/.test(text[j])) { j++; }
        if (text[j] === (c === '{' ? '}' : ']')) { out += c + text[j]; i = j; continue; }
        depth++;
        out += c + pad(depth);
        continue;
      }
      if (c === '}' || c === ']') { depth--; out += pad(depth) + c; continue; }
      if (c === ',') { out += ',' + pad(depth); continue; }
      if (c === ':') { out += ': '; continue; }
      out += c;
    }
    return out;
  }

  function initJSONInputs() {
    $all('textarea.json-input').forEach(function (area) {
      area.addEventListener('input', function () { validate(area); });
      validate(area);
    });
    document.addEventListener('submit', function (e) {
      var form = e.target;
      var bad = null;
      $all('textarea.json-input', form).forEach(function (area) {
        var err = validate(area);
        if (err && !bad) { bad = { area: area, err: err }; }
      });
      if (bad) {
        e.preventDefault();
        var status = statusFor(bad.area);
        if (status) { status.setAttribute('role', 'alert'); }
        bad.area.focus();
        if (bad.err.offset >= 0) { bad.area.setSelectionRange(bad.err.offset, Math.min(bad.err.offset + 1, bad.area.value.length)); }
      }
    });
    $all('button.format-json').forEach(function (b) {
      b.addEventListener('click', function () {
        var area = document.getElementById(b.getAttribute('data-target'));
        if (!area) { return; }
        if (validate(area)) { area.focus(); return; }
        area.value = reindent(area.value);
        validate(area);
      });
    });
  }

  // ---- Start form: the equivalent AWS CLI command ---------------------------

  function shellQuote(v) {
    if (v !== '' && /^[A-Za-z0-9\-_.\/:=@%+,]+$/.test(v)) { return v; }
    return "'" + v.split("'").join("'\\''") + "'";
  }

  // compact removes the spaces outside strings, keeping everything else.
  function compact(text) {
    var out = '', inStr = false, esc = false;
    for (var i = 0; i < text.length; i++) {
      var c = text[i];
      if (inStr) {
        out += c;
        if (esc) { esc = false; } else if (c === '\\') { esc = true; } else if (c === '"') { inStr = false; }
      } else if (c === '"') { inStr = true; out += c; } else if (!/\s/.test(c)) { out += c; }
    }
    return out;
  }

  function initStartCLI() {
    var pre = document.querySelector('pre[data-start-cli]');
    var form = document.querySelector('form.start-form');
    if (!pre || !form) { return; }
    var update = function () {
      var sm = form.elements.sm.value, name = form.elements.name.value.trim(), input = form.elements.input.value;
      if (input.trim() === '') { input = '{}'; }
      var text = 'aws stepfunctions start-execution \\\n  --endpoint-url ' + shellQuote(pre.getAttribute('data-endpoint')) +
        ' --region ' + shellQuote(pre.getAttribute('data-region'));
      text += ' \\\n  --state-machine-arn ' + shellQuote(sm);
      if (name) { text += ' \\\n  --name ' + shellQuote(name); }
      text += ' \\\n  --input ' + shellQuote(jsonError(input) ? input : compact(input));
      pre.querySelector('code').textContent = text;
    };
    form.addEventListener('input', update);
    form.addEventListener('change', update);
  }

  // ---- History: expand all ---------------------------------------------------

  function initExpandAll() {
    $all('.expand-all').forEach(function (b) {
      b.addEventListener('click', function () {
        var open = b.getAttribute('aria-pressed') !== 'true';
        $all('table.history details', b.closest('.card')).forEach(function (d) { d.open = open; });
        b.setAttribute('aria-pressed', open ? 'true' : 'false');
        b.textContent = open ? 'Collapse all' : 'Expand all';
      });
    });
  }

  // ---- Live updates ---------------------------------------------------------

  function setNodeStatus(el, status) {
    var cls = el.getAttribute('class') || '';
    var next = cls.replace(/\bst-[a-z-]+/g, '').replace(/\s+/g, ' ').trim() + ' st-' + status;
    if (next !== cls) {
      el.setAttribute('class', next);
      var label = el.getAttribute('aria-label');
      if (label) {
        label = label.replace(/ state(, .*)?$/, ' state, ' + (statusWords[status] || status));
        el.setAttribute('aria-label', label);
        var title = el.querySelector('title');
        if (title) { title.textContent = label; }
      }
    }
  }

  // replaceFragment swaps a part of the page, keeping what the person
  // opened, selected or focused.
  function replaceFragment(el, html) {
    if (el.dataset.html === html) { return; }
    // Never pull a form from under someone filling it in.
    var active = document.activeElement;
    if (active && el.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName)) { return; }
    var edited = $all('input, textarea', el).some(function (f) { return f.type !== 'hidden' && f.value !== f.defaultValue; });
    if (edited) { return; }
    if (el.dataset.html === undefined && el.innerHTML.trim() === html.trim()) { el.dataset.html = html; return; }
    var open = {};
    $all('details[open]', el).forEach(function (d) { open[d.getAttribute('data-key') || ''] = true; });
    var focusId = active && el.contains(active) ? active.id : '';
    el.innerHTML = html;
    el.dataset.html = html;
    $all('details[data-key]', el).forEach(function (d) { if (open[d.getAttribute('data-key')]) { d.open = true; } });
    var sel = document.body.dataset.selected;
    if (sel && el.querySelector('.state-panel')) {
      $all('.state-panel', el).forEach(function (p) { p.hidden = p.id !== sel; });
      $all('.panel-empty', el).forEach(function (p) { p.hidden = true; });
    }
    if (focusId) {
      var f = document.getElementById(focusId);
      if (f) { f.focus(); }
    }
    $all('textarea.json-input', el).forEach(function (area) {
      area.addEventListener('input', function () { validate(area); });
    });
  }

  function initLive() {
    var interval = parseInt(document.body.getAttribute('data-poll'), 10) || 2000;
    $all('[data-live]').forEach(function (box) {
      var url = box.getAttribute('data-live');
      var timer = null;
      var busy = false;
      var tick = function () {
        if (busy || document.hidden) { return; }
        // An execution page polls only while the execution runs.
        if (box.hasAttribute('data-running') && box.getAttribute('data-running') !== 'true') {
          clearInterval(timer);
          return;
        }
        busy = true;
        fetch(url, { headers: { 'Accept': 'application/json' }, credentials: 'same-origin' })
          .then(function (res) {
            return res.json().then(function (body) {
              if (!res.ok) { throw new Error(body && body.error ? body.error : 'HTTP ' + res.status); }
              return body;
            });
          })
          .then(function (body) {
            var frags = body.fragments || {};
            Object.keys(frags).forEach(function (key) {
              $all('[data-fragment="' + key + '"]', box).forEach(function (el) { replaceFragment(el, frags[key]); });
            });
            var nodes = body.nodes || {};
            Object.keys(nodes).forEach(function (id) {
              var el = document.getElementById(id);
              if (el) { setNodeStatus(el, nodes[id]); }
            });
            if (box.hasAttribute('data-running')) {
              box.setAttribute('data-running', body.running ? 'true' : 'false');
            }
            document.body.dataset.polled = String((parseInt(document.body.dataset.polled || '0', 10) || 0) + 1);
            clearError();
          })
          .catch(function (err) {
            showError('Live updates paused: ' + err.message + '. Retrying every few seconds; reload the page if this stays.', 'poll');
          })
          .then(function () { busy = false; });
      };
      timer = setInterval(tick, interval);
    });
  }

  function init() {
    safely('state panel', initPanels);
    safely('graph', initFit);
    safely('copy buttons', initCopy);
    safely('JSON inputs', initJSONInputs);
    safely('history', initExpandAll);
    safely('command line', initStartCLI);
    safely('live updates', initLive);
    document.body.dataset.ready = 'true';
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})();
