/* The contest's phone page: register → home → answer → result, all state on the server.
 * No framework (a weak network loads a few KB); every state comes back after a refresh from
 * GET me and GET attempts/current. An answer whose post fails is sent again as it was: the server
 * stores the first copy and ignores the repeat, so a retry can never double an answer. */
(function () {
  "use strict";
  var root = document.getElementById("play");
  if (!root) { return; }
  var API = root.dataset.api;
  var KEY = root.dataset.key;
  var RESULT_KEY = "kesu-contest-result-" + KEY;
  var TYPES = { judge: "判断题", single: "单选题", multi: "多选题" };
  var state = { me: null, attempt: null, item: null, sending: false, itemEnd: 0, attemptEnd: 0, timedOut: false, challenge: null, dragStart: 0 };
  var ticker = null;

  function $(id) { return document.getElementById(id); }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : root.dataset.csrf;
  }
  function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  /* One API call. With retry, a network failure or a 502/503/504 is tried again, the same body,
   * until it answers, while the note says so; without it, the failure is the caller's. */
  function call(method, path, body, retry) {
    var attempt = 0;
    function once() {
      var controller = window.AbortController ? new AbortController() : null;
      var timer = controller ? setTimeout(function () { controller.abort(); }, 15000) : null;
      var options = { method: method, credentials: "same-origin", headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" } };
      if (controller) { options.signal = controller.signal; }
      if (body !== undefined) { options.headers["Content-Type"] = "application/json"; options.body = JSON.stringify(body); }
      return fetch(path.charAt(0) === "/" ? path : API + path, options).then(function (response) {
        if (timer) { clearTimeout(timer); }
        if (retry && response.status >= 502 && response.status <= 504) { throw new Error("gateway"); }
        return response.json().catch(function () { return { error: "服务器暂时无法处理，请稍后再试。", code: "bad_response" }; })
          .then(function (data) { $("net-note").hidden = true; return { status: response.status, data: data }; });
      }, function (error) { if (timer) { clearTimeout(timer); } throw error; })
        .catch(function (error) {
          if (!retry) {
            $("net-note").hidden = true;
            return { status: 0, data: { error: "网络不稳定，请检查网络后再试。", code: "network" } };
          }
          attempt += 1;
          $("net-note").hidden = false;
          return sleep(Math.min(1000 * attempt, 5000)).then(once);
        });
    }
    return once();
  }

  function show(name) {
    ["register", "home", "answer", "result"].forEach(function (view) { $("view-" + view).hidden = view !== name; });
    $("loading").hidden = true;
    root.dataset.view = name;
    if (name !== "answer") { stopTicker(); }
    window.scrollTo(0, 0);
  }
  function showError(message) {
    // On the form the message goes beside the button the person just tapped; elsewhere at the top.
    var note = $("view-register").hidden ? $("error-note") : $("register-error");
    $("error-note").hidden = true;
    $("register-error").hidden = true;
    note.textContent = message || "";
    note.hidden = !message;
    if (message) { note.scrollIntoView({ block: "nearest" }); }
  }

  // ---- start: a refresh lands here and goes back to where the server says we are ----------------
  function boot() {
    var shown = sessionStorage.getItem(RESULT_KEY);
    if (shown) {
      return call("GET", "attempts/" + shown + "/result", undefined, true).then(function (reply) {
        if (reply.status === 200) { return showResult(reply.data); }
        sessionStorage.removeItem(RESULT_KEY);
        return loadMe();
      });
    }
    return loadMe();
  }

  function loadMe() {
    return call("GET", "me", undefined, true).then(function (reply) {
      if (reply.status === 401) { return showRegister(); }
      if (reply.status !== 200) { show("home"); return showError(reply.data.error); }
      state.me = reply.data;
      if (reply.data.active_attempt) { return resume(); }
      return showHome();
    });
  }

  // ---- registration --------------------------------------------------------------------------------
  var registerReady = false;
  function showRegister() {
    show("register");
    if (!registerReady) {
      registerReady = true;
      addRegionLevel(root.dataset.root);
      loadUnits();
      $("register-form").addEventListener("submit", register);
      var slider = $("reg-slider");
      slider.addEventListener("pointerdown", startDrag);
      slider.addEventListener("touchstart", startDrag, { passive: true });
      slider.addEventListener("input", moveSlider);
    }
    newChallenge();
  }

  function newChallenge() {
    $("reg-slider").value = 0;
    state.dragStart = 0;
    moveSlider();
    return call("POST", "challenge", {}, true).then(function (reply) {
      if (reply.status !== 200) { return showError(reply.data.error); }
      state.challenge = reply.data;
      $("slider-target").textContent = reply.data.target;
      // The mark sits where the thumb's centre will be at the target (the thumb is 2.25rem wide).
      $("slider-mark").style.left = "calc(1.125rem + (100% - 2.25rem) * " + (reply.data.target / 100) + ")";
    });
  }
  function startDrag() { if (!state.dragStart) { state.dragStart = Date.now(); } }
  function moveSlider() {
    var value = Number($("reg-slider").value);
    if (!state.dragStart && value) { state.dragStart = Date.now(); }
    $("slider-now").textContent = "当前位置 " + value;
    var target = state.challenge ? state.challenge.target : -99;
    var done = Math.abs(value - target) <= 2;
    $("slider-box").classList.toggle("is-done", done);
    if (done && /滑块/.test($("register-error").textContent)) { showError(""); }
  }

  function addRegionLevel(parentCode) {
    var picker = $("region-picker");
    return call("GET", root.dataset.regions + "?parent=" + encodeURIComponent(parentCode), undefined, true).then(function (reply) {
      if (reply.status !== 200 || !reply.data.regions.length) { return; }
      var select = el("select", "form-select form-select-lg");
      select.setAttribute("aria-label", reply.data.level_name);
      // Down to the town it is asked for; a village is welcome but may be left out.
      select.dataset.required = reply.data.parent.level < 4 ? "1" : "";
      select.appendChild(el("option", "", (select.dataset.required ? "请选择" : "（可不选）") + reply.data.level_name)).value = "";
      reply.data.regions.forEach(function (region) {
        var option = el("option", "", region.name);
        option.value = region.code;
        option.dataset.leaf = region.leaf ? "1" : "";
        select.appendChild(option);
      });
      select.addEventListener("change", function () {
        while (select.nextSibling) { picker.removeChild(select.nextSibling); }
        var chosen = select.options[select.selectedIndex];
        if (select.value && !chosen.dataset.leaf) { addRegionLevel(select.value); }
      });
      picker.appendChild(select);
    });
  }

  function chosenRegion() {
    var selects = $("region-picker").querySelectorAll("select");
    var code = selects.length ? "" : root.dataset.root;
    for (var i = 0; i < selects.length; i += 1) {
      if (selects[i].value) { code = selects[i].value; } else if (selects[i].dataset.required) { return null; }
    }
    return code || null;
  }

  function loadUnits() {
    var select = $("reg-unit");
    if (!select) { return; }
    call("GET", root.dataset.units, undefined, true).then(function (reply) {
      (reply.data.units || []).forEach(function (unit) {
        var option = el("option", "", unit.name + "（" + unit.region + "）");
        option.value = unit.id;
        select.appendChild(option);
      });
    });
  }

  function fieldValue(id) { var field = $(id); return field ? field.value.trim() : ""; }

  function register(event) {
    event.preventDefault();
    showError("");
    var phone = fieldValue("reg-phone").replace(/\s|-/g, "");
    var body = { phone: phone, name: fieldValue("reg-name"), region_code: chosenRegion() };
    if (!/^1\d{10}$/.test(phone)) { return showError("请填写 11 位手机号。"); }
    if (!body.name) { return showError("请填写姓名。"); }
    if (!body.region_code) { return showError("请把所在地区选到乡镇（街道）。"); }
    if ($("reg-unit")) {
      if (fieldValue("reg-unit")) { body.unit_id = Number(fieldValue("reg-unit")); }
      else if ($("reg-unit").dataset.required) { return showError("请选择工作单位。"); }
    }
    if (fieldValue("reg-school")) { body.school = fieldValue("reg-school"); }
    if ($("reg-group") && fieldValue("reg-group")) { body.key_group = fieldValue("reg-group"); }
    if ($("reg-birth")) { if (!fieldValue("reg-birth")) { return showError("请选择出生年份。"); } body.birth_year = Number(fieldValue("reg-birth")); }
    if (!state.challenge || !state.dragStart) { return showError("请先拖动滑块完成安全验证。"); }
    body.challenge = state.challenge.challenge;
    body.slider = Number($("reg-slider").value);
    body.drag_ms = Date.now() - state.dragStart;
    var button = $("register-button");
    button.disabled = true;
    call("POST", "register", body, false).then(function (reply) {
      button.disabled = false;
      if (reply.status === 200) { return loadMe(); }
      showError(reply.data.error || "报名没有成功，请再试一次。");
      // A challenge is good for one try: every refusal needs a new one.
      newChallenge();
    });
  }

  // ---- home: attempts left, best score, rank, leaderboard ---------------------------------------------
  function showHome() {
    var me = state.me;
    show("home");
    $("home-name").textContent = me.participant.name;
    $("home-region").textContent = me.participant.region || "";
    $("home-phone").textContent = me.participant.phone ? "手机尾号 " + me.participant.phone.slice(-4) : "";
    $("home-left").textContent = me.attempts_left_today;
    $("home-best").textContent = me.best_score === null || me.best_score === undefined ? "–" : me.best_score;
    $("home-rank").textContent = me.rank ? me.rank : "–";
    var button = $("start-button");
    var note = "";
    button.disabled = false;
    button.textContent = me.active_attempt ? "继续答题" : "开始答题";
    if (!me.contest.open && !me.active_attempt) { button.disabled = true; note = "现在不在竞赛时间内。"; }
    else if (me.attempts_left_today < 1 && !me.active_attempt) { button.disabled = true; note = "今天的答题次数已用完，明天再来。"; }
    $("home-note").textContent = note;
    loadBoard();
  }

  function loadBoard() {
    call("GET", "leaderboard", undefined, true).then(function (reply) {
      var board = $("board");
      board.textContent = "";
      var rows = reply.status === 200 ? reply.data.rows || [] : [];
      if (!rows.length) { board.appendChild(el("li", "play-board-empty text-muted", "还没有成绩，快来争第一！")); }
      rows.forEach(function (row) {
        var item = el("li");
        item.appendChild(el("span", "rank", row.rank));
        var who = el("span", "who", row.name);
        who.appendChild(el("span", "region", row.region));
        item.appendChild(who);
        item.appendChild(el("span", "score", row.score + " 分 · " + seconds(row.duration_ms)));
        board.appendChild(item);
      });
      if (reply.data && reply.data.computed_at) { $("board-time").textContent = clockTime(reply.data.computed_at) + " 更新"; }
    });
  }

  function start() {
    showError("");
    var button = $("start-button");
    if (state.me && state.me.active_attempt) { return resume(); }
    button.disabled = true;
    call("POST", "attempts", {}, true).then(function (reply) {
      button.disabled = false;
      if (reply.status === 201) { state.attempt = reply.data.attempt; return showItem(reply.data.item); }
      if (reply.status === 409 && reply.data.code === "attempt_active") { return resume(); }
      showError(reply.data.error || "暂时不能开始答题。");
    });
  }

  function resume() {
    return call("GET", "attempts/current", undefined, true).then(function (reply) {
      if (reply.status === 200) {
        state.attempt = reply.data.attempt;
        if (reply.data.item) { return showItem(reply.data.item); }
        return finish();
      }
      // The attempt ended meanwhile (its time ran out while the phone was away): show how it went.
      var ended = reply.data.finished_attempt || (state.attempt && state.attempt.id);
      state.attempt = null;
      if (ended) { return finish(ended); }
      return call("GET", "me", undefined, true).then(function (again) {
        if (again.status === 200) { state.me = again.data; state.me.active_attempt = null; return showHome(); }
        return showRegister();
      });
    });
  }

  // ---- answering: one item at a time, the server's clock ------------------------------------------------
  function showItem(item) {
    state.item = item;
    state.sending = false;
    state.timedOut = false;
    show("answer");
    showError("");
    var now = Date.now();
    // Deadlines relative to this phone's clock from the server's own figures, so a wrong phone clock does not matter.
    // The server sends whole seconds, cut down (29.9 → 29): half a second back gives the person the time
    // they have on average; the server's grace of a few seconds keeps an answer at the very end on time.
    state.itemEnd = now + (item.seconds_left + 0.5) * 1000;
    var attemptGap = item.item_deadline ? Date.parse(item.attempt_deadline) - Date.parse(item.item_deadline) : 0;
    state.attemptEnd = state.itemEnd + Math.max(0, attemptGap || 0);
    $("answer-progress").textContent = "第 " + item.position + " / " + item.count + " 题";
    $("answer-type").textContent = TYPES[item.type] || "";
    $("answer-bar").style.width = Math.round(100 * (item.position - 1) / item.count) + "%";
    $("answer-stem").textContent = item.stem;
    var box = $("answer-options");
    box.textContent = "";
    var confirm = $("multi-confirm");
    confirm.hidden = item.type !== "multi";
    confirm.disabled = true;
    item.options.forEach(function (text, index) {
      var letter = String.fromCharCode(65 + index);
      if (item.type === "multi") {
        var label = el("label", "play-choice");
        var check = el("input");
        check.type = "checkbox";
        check.value = letter;
        check.addEventListener("change", function () { confirm.disabled = !box.querySelector("input:checked"); });
        label.appendChild(check);
        label.appendChild(document.createTextNode(text));
        box.appendChild(label);
      } else {
        var button = el("button", "play-choice", text);
        button.type = "button";
        button.dataset.letter = letter;
        button.addEventListener("click", function () { button.classList.add("is-chosen"); send([letter]); });
        box.appendChild(button);
      }
    });
    $("answer-hint").textContent = item.type === "multi" ? "多选题：选出所有正确的选项，再点“确定”。" : "点选一个答案即提交。";
    startTicker();
  }

  function chosenLetters() {
    var checked = $("answer-options").querySelectorAll("input:checked");
    return Array.prototype.map.call(checked, function (input) { return input.value; });
  }

  function lockItem() {
    Array.prototype.forEach.call($("answer-options").querySelectorAll("button, input"), function (control) { control.disabled = true; });
    $("multi-confirm").disabled = true;
  }

  function send(answer) {
    if (state.sending || !state.item) { return; }
    state.sending = true;
    lockItem();
    var attemptId = state.attempt.id;
    var body = { position: state.item.position, answer: answer };
    call("POST", "attempts/" + attemptId + "/answer", body, true).then(function (reply) {
      if (reply.status === 200 && (reply.data.finished || (reply.data.accepted && !reply.data.item))) { return finish(); }
      if (reply.status === 200 && reply.data.item) { return showItem(reply.data.item); }
      // A duplicate, an attempt that ended meanwhile, anything else: ask the server where we are.
      return resume();
    });
  }

  function finish(endedId) {
    stopTicker();
    var attemptId = endedId || state.attempt.id;
    return call("POST", "attempts/" + attemptId + "/finish", {}, true).then(function (reply) {
      if (reply.status === 200) { sessionStorage.setItem(RESULT_KEY, attemptId); return showResult(reply.data); }
      showError(reply.data.error);
      return loadMe();
    });
  }

  function startTicker() { stopTicker(); tick(); ticker = setInterval(tick, 250); }
  function stopTicker() { if (ticker) { clearInterval(ticker); ticker = null; } }
  function tick() {
    var now = Date.now();
    var itemLeft = Math.max(0, Math.ceil((state.itemEnd - now) / 1000));
    var attemptLeft = Math.max(0, Math.ceil((state.attemptEnd - now) / 1000));
    var clock = $("item-clock");
    clock.textContent = "剩 " + minutes(itemLeft);
    clock.classList.toggle("is-short", itemLeft <= 5);
    $("attempt-clock").textContent = state.item && state.item.item_deadline ? "整套剩余 " + minutes(attemptLeft) : "";
    if (itemLeft > 0 || state.timedOut) { return; }
    state.timedOut = true;
    if (attemptLeft <= 0 && !state.sending) { lockItem(); state.sending = true; finish(); return; }
    if (state.sending) { return; }  // the answer is on its way; its reply brings the next item
    // Time is up for this item: send what is ticked (the server scores it 0 if late) and move on.
    send(state.item.type === "multi" ? chosenLetters() : []);
  }

  // ---- result ----------------------------------------------------------------------------------------
  function showResult(result) {
    show("result");
    $("result-score").textContent = result.score;
    $("result-line").textContent = "答对 " + result.correct_count + " / " + result.item_count + " 题 · 用时 " + seconds(result.duration_ms) + (result.full_score ? " · 满分！" : "");
    $("result-rank").textContent = result.rank ? "当前排名：第 " + result.rank + " 名" : "排名稍后更新";
    var link = $("result-certificate");
    link.hidden = !result.certificate_url;
    if (result.certificate_url) { link.href = result.certificate_url; }
    var threshold = root.dataset.threshold;
    $("result-note").textContent = !result.certificate_url && threshold && !result.voided ? "成绩达到 " + threshold + " 分可下载电子证书，再接再厉！" : "";
    if (result.voided) { $("result-note").textContent = "这次答题已被主办方作废，不计成绩。"; }
    var review = $("review");
    review.textContent = "";
    (result.review || []).forEach(function (row) {
      var item = el("li", row.correct ? "is-right" : "is-wrong");
      item.appendChild(el("div", "small fw-semibold " + (row.correct ? "text-success" : "text-danger"),
        "第 " + row.position + " 题 · " + (TYPES[row.type] || "") + " · " + (row.correct ? "答对" : "答错")));
      item.appendChild(el("p", "mb-1 mt-1", row.stem));
      var options = el("ul", "options");
      (row.options || []).forEach(function (text, index) {
        var letter = String.fromCharCode(65 + index);
        options.appendChild(el("li", (row.answer || []).indexOf(letter) >= 0 ? "is-answer" : "", text));
      });
      item.appendChild(options);
      item.appendChild(el("div", "small", "你的答案：" + letters(row.your_answer, row) + "；正确答案：" + letters(row.answer, row)));
      if (row.explanation) { item.appendChild(el("p", "explain", "解析：" + row.explanation)); }
      review.appendChild(item);
    });
  }

  function letters(answer, row) {
    if (!answer || !answer.length) { return "未作答"; }
    if (row.type === "judge") { return answer[0] === "A" ? "正确" : "错误"; }
    return answer.join("");
  }

  function backHome() {
    sessionStorage.removeItem(RESULT_KEY);
    $("loading").hidden = false;
    $("view-result").hidden = true;
    loadMe();
  }

  function minutes(total) {
    var m = Math.floor(total / 60);
    var s = total % 60;
    return m ? m + " 分 " + (s < 10 ? "0" : "") + s + " 秒" : s + " 秒";
  }
  function seconds(ms) { return ms === null || ms === undefined ? "–" : minutes(Math.round(ms / 1000)); }
  function clockTime(iso) {
    var time = new Date(iso);
    if (isNaN(time.getTime())) { return ""; }
    return (time.getHours() < 10 ? "0" : "") + time.getHours() + ":" + (time.getMinutes() < 10 ? "0" : "") + time.getMinutes();
  }

  $("start-button").addEventListener("click", start);
  $("multi-confirm").addEventListener("click", function () { var chosen = chosenLetters(); if (chosen.length) { send(chosen); } });
  $("result-home").addEventListener("click", backHome);
  $("result-home-2").addEventListener("click", backHome);
  boot();
}());
