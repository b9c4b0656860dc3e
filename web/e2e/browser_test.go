package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

const chromiumPath = "/usr/bin/chromium"

// browser is one person's browser: its own Chromium process and profile
// (user-data-dir), so two browsers share no storage, cookies or tabs.
type browser struct {
	t    testing.TB
	name string
	ctx  context.Context // the tab

	mu     sync.Mutex
	errors []string // uncaught exceptions in the page
}

// newBrowser starts a headless Chromium with a viewport of w×h CSS pixels.
// It is closed when the test ends; an uncaught exception in any page it
// showed fails the test.
func newBrowser(t testing.TB, name string, w, h int) *browser {
	t.Helper()
	path := chromiumPath
	if _, err := os.Stat(path); err != nil {
		if p, err := exec.LookPath("chromium"); err == nil {
			path = p
		} else {
			t.Fatal("chromium not found: install it with `apt-get install chromium` (make test does this)")
		}
	}
	profile, err := os.MkdirTemp("", "processkarta-e2e-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(w, h),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-breakpad", true),
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("lang", "sv-SE"),
		chromedp.Flag("force-color-profile", "srgb"),
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	b := &browser{t: t, name: name, ctx: ctx}
	t.Cleanup(func() {
		b.mu.Lock()
		errs := b.errors
		b.mu.Unlock()
		for _, e := range errs {
			t.Errorf("%s: uncaught exception in the page: %s", name, e)
		}
		cancel()
		acancel()
		os.RemoveAll(profile)
	})
	start := time.Now()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(w), int64(h))); err != nil {
		t.Fatalf("%s: start chromium: %v", name, err)
	}
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*runtime.EventExceptionThrown); ok {
			msg := e.ExceptionDetails.Text
			if e.ExceptionDetails.Exception != nil && e.ExceptionDetails.Exception.Description != "" {
				msg += " " + e.ExceptionDetails.Exception.Description
			}
			b.mu.Lock()
			b.errors = append(b.errors, msg)
			b.mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: chromium started in %v", name, time.Since(start).Round(time.Millisecond))
	return b
}

// do runs actions with a timeout, failing the test on error.
func (b *browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %s: %v", b.name, what, err)
	}
}

// eval evaluates a JavaScript expression in the page and decodes its value
// into out (nil: ignore it).
func (b *browser) eval(js string, out any) {
	b.t.Helper()
	if err := b.tryEval(js, out); err != nil {
		b.t.Fatalf("%s: evaluating %s: %v", b.name, short(js), err)
	}
}

func (b *browser) tryEval(js string, out any) error {
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](js, chromedp.EvalAwaitPromise))
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(raw, out)
}

// str evaluates an expression that gives a string.
func (b *browser) str(js string) string {
	b.t.Helper()
	var s string
	b.eval(js, &s)
	return s
}

// num evaluates an expression that gives a number.
func (b *browser) num(js string) float64 {
	b.t.Helper()
	var f float64
	b.eval(js, &f)
	return f
}

// waitFor polls the boolean expression cond in the page every few
// milliseconds until it is true, and returns how long that took. It fails
// the test after timeout, saying what was awaited.
func (b *browser) waitFor(what, cond string, timeout time.Duration) time.Duration {
	b.t.Helper()
	d, ok := b.poll(cond, timeout)
	if !ok {
		b.t.Fatalf("%s: %s: not within %v (waited for %s)", b.name, what, timeout, short(cond))
	}
	return d
}

// poll is waitFor without failing: it reports whether cond became true.
func (b *browser) poll(cond string, timeout time.Duration) (time.Duration, bool) {
	start := time.Now()
	for {
		var ok bool
		if err := b.tryEval("!!("+cond+")", &ok); err == nil && ok {
			return time.Since(start), true
		}
		if time.Since(start) > timeout {
			return time.Since(start), false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// navigate loads a page of the server and waits until it has loaded.
func (b *browser) navigate(url string) {
	b.t.Helper()
	b.do("navigate to "+url, chromedp.Navigate(url))
	b.waitFor("page loaded", `document.readyState === "complete"`, 10*time.Second)
}

// waitOnline waits until the board page says it is connected (online).
func (b *browser) waitOnline() {
	b.t.Helper()
	b.waitFor("connected", `document.querySelector('#conn')?.dataset.state === 'online'`, 15*time.Second)
}

// byLabel is an XPath for the form control labelled text (its <label for>).
func byLabel(text string) chromedp.Search {
	return chromedp.Search(fmt.Sprintf(`//*[@id=//label[normalize-space(.)=%s]/@for]`, xpathString(text)))
}

// buttonByText is an XPath for a visible button whose text is text.
func buttonByText(text string) chromedp.Search {
	return chromedp.Search(fmt.Sprintf(`//button[normalize-space(.)=%s]`, xpathString(text)))
}

func xpathString(s string) string {
	if !strings.Contains(s, "'") {
		return "'" + s + "'"
	}
	return `"` + s + `"`
}

// typeInto replaces the text of the field labelled label with value, typed
// key by key.
func (b *browser) typeInto(label, value string) {
	b.t.Helper()
	b.fill(label, byLabel(label), value)
}

// fill focuses the field sel, selects what it holds (Ctrl+A), deletes it and
// types value, as a person would.
func (b *browser) fill(what string, sel chromedp.Search, value string) {
	b.t.Helper()
	b.do("fill in "+what, chromedp.WaitVisible(sel), chromedp.Focus(sel),
		typeKeys("a", chromedp.ModifierCtrl), typeKeys(kb.Backspace), typeKeys(value))
}

// choose picks the option with the visible text option in the select
// labelled label, as a user would, and fires change.
func (b *browser) choose(label, option string) {
	b.t.Helper()
	var ok bool
	b.eval(fmt.Sprintf(`(() => {
		const l = [...document.querySelectorAll('label')].find((l) => l.textContent.trim() === %q);
		const sel = l && l.control;
		if (!sel) return false;
		const o = [...sel.options].find((o) => o.textContent.trim() === %q);
		if (!o) return false;
		sel.focus();
		sel.value = o.value;
		sel.dispatchEvent(new Event('input', {bubbles: true}));
		sel.dispatchEvent(new Event('change', {bubbles: true}));
		return true;
	})()`, label, option), &ok)
	if !ok {
		b.t.Fatalf("%s: no select labelled %q with option %q", b.name, label, option)
	}
}

// press types keys (see package kb for special keys) into the focused
// element, with modifiers held.
func (b *browser) press(keys string, mods ...chromedp.Modifier) {
	b.t.Helper()
	b.do("press "+keyName(keys), typeKeys(keys, mods...))
}

// typeKeys types keys like a keyboard does: for each key a keyDown that
// carries the key's text, then a keyUp. The browser makes the text input
// itself, so a page that handles a keydown and prevents its default gets no
// text, as with a real keyboard. (chromedp.KeyEvent sends the text as a
// separate char event that arrives even then: a shortcut key would also be
// typed into an editor that the shortcut opened.)
func typeKeys(keys string, mods ...chromedp.Modifier) chromedp.Action[chromedp.Void] {
	var mod int64
	for _, m := range mods {
		mod |= int64(m)
	}
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for _, r := range keys {
			evs := kb.Encode(r)
			text := ""
			for _, e := range evs {
				if e.Type == input.DispatchKeyEventTypeChar {
					text = e.Text
				}
			}
			for _, e := range evs {
				if e.Type == input.DispatchKeyEventTypeChar {
					continue
				}
				p := *e
				p.Modifiers |= mod
				if p.Type == input.DispatchKeyEventTypeKeyDown {
					if text != "" && p.Modifiers&^int64(chromedp.ModifierShift) == 0 {
						p.Text, p.UnmodifiedText = text, text
					} else {
						p.Type = input.DispatchKeyEventTypeRawKeyDown
					}
				}
				if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, p); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func keyName(k string) string {
	switch k {
	case kb.Enter:
		return "Enter"
	case kb.Escape:
		return "Escape"
	case kb.ArrowRight:
		return "ArrowRight"
	case kb.ArrowDown:
		return "ArrowDown"
	}
	return k
}

// click clicks the centre of the element sel (CSS) with the mouse.
func (b *browser) click(sel string, opts ...chromedp.MouseOption) {
	b.t.Helper()
	x, y := b.center(sel)
	b.do("click "+sel, chromedp.MouseClickXY(x, y, opts...))
}

// doubleClick double-clicks the centre of the element sel (CSS), at a
// person's pace (the page may redraw between the clicks).
func (b *browser) doubleClick(sel string) {
	b.t.Helper()
	x, y := b.center(sel)
	var steps []chromedp.Action[chromedp.Void]
	for n := 1; n <= 2; n++ {
		steps = append(steps,
			chromedp.MouseEvent(chromedp.MousePressed, x, y, chromedp.ButtonLeft, chromedp.ClickCount(n)),
			chromedp.Sleep(40*time.Millisecond),
			chromedp.MouseEvent(chromedp.MouseReleased, x, y, chromedp.ButtonLeft, chromedp.ClickCount(n)),
			chromedp.Sleep(60*time.Millisecond))
	}
	b.do("double-click "+sel, steps...)
}

// drag presses the left mouse button at (x0, y0), moves to (x1, y1) in a
// few steps and releases it there. It returns when the release was sent.
func (b *browser) drag(x0, y0, x1, y1 float64) time.Time {
	b.t.Helper()
	held := func(p *input.DispatchMouseEventParams) { p.Button = input.MouseButtonLeft; p.Buttons = 1 }
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.MouseEvent(chromedp.MouseMoved, x0, y0),
		chromedp.MouseEvent(chromedp.MousePressed, x0, y0, held, chromedp.ClickCount(1)),
	}
	const n = 8
	for i := 1; i <= n; i++ {
		f := float64(i) / n
		steps = append(steps, chromedp.MouseEvent(chromedp.MouseMoved, x0+(x1-x0)*f, y0+(y1-y0)*f, held), chromedp.Sleep(16*time.Millisecond))
	}
	b.do("drag", steps...)
	released := time.Now()
	b.do("drop", chromedp.MouseEvent(chromedp.MouseReleased, x1, y1, chromedp.ButtonLeft, chromedp.ClickCount(1)))
	return released
}

// center is the centre of the element sel (CSS) in viewport pixels, after
// scrolling it into view (except on the canvas, which pans instead).
func (b *browser) center(sel string) (float64, float64) {
	b.t.Helper()
	// A person clicks what they see once it stops moving: the page may
	// still be laying out (a list rendered after a fetch pushes the one
	// below it down, or focus scrolls). So wait until the element's box is
	// the same over two frames and, off the canvas (where shapes overlap
	// on purpose), until the element is what is under its centre. An
	// element not drawn yet is waited for as long.
	var p struct{ X, Y float64 }
	b.eval(fmt.Sprintf(`(async () => {
		const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
		const until = performance.now() + 3000;
		let last = null;
		for (;;) {
			const e = document.querySelector(%q);
			if (!e) {
				// Not drawn yet (the canvas draws on the next frame).
				if (performance.now() > until) return null;
				await frame();
				continue;
			}
			const onCanvas = !!e.closest('#canvas');
			if (!onCanvas) e.scrollIntoView({block: 'nearest'});
			await frame();
			const r = e.getBoundingClientRect();
			const at = {x: r.left + r.width / 2, y: r.top + r.height / 2};
			const same = last && last.x === at.x && last.y === at.y;
			const hit = document.elementFromPoint(at.x, at.y);
			if (same && (onCanvas || (hit && (hit === e || e.contains(hit))))) return at;
			if (performance.now() > until) return at;
			last = at;
		}
	})()`, sel), &p)
	if p.X == 0 && p.Y == 0 {
		b.t.Fatalf("%s: no element %s to click", b.name, sel)
	}
	return p.X, p.Y
}

// screenshot captures the viewport as PNG, with the mouse moved off the
// page's controls so that nothing shows as hovered.
func (b *browser) screenshot() []byte {
	b.t.Helper()
	b.do("move the mouse away", chromedp.MouseEvent(chromedp.MouseMoved, 1, 1))
	settle(b)
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("%s: screenshot: %v", b.name, err)
	}
	return png
}

// joinByForm fills in the join page by its labels and submits it, then
// waits until the board is online.
func (b *browser) joinByForm(base, code, name, administration, position string) {
	b.t.Helper()
	b.navigate(base + "/join")
	b.typeInto("Kod", code)
	b.typeInto("Namn", name)
	b.typeInto("Förvaltning", administration)
	b.choose("Befattning", position)
	b.do("submit the join form", chromedp.Click(buttonByText("Gå med")))
	b.waitFor("on the board page", `location.pathname.startsWith('/b/')`, 10*time.Second)
	b.waitFor("page loaded", `document.readyState === "complete"`, 10*time.Second)
	b.waitOnline()
}

func short(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 160 {
		return s[:160] + "…"
	}
	return s
}

// jsq quotes s as a JavaScript string literal.
func jsq(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// chooseMunicipality presses "Välj <name>" on the organizer's page and
// waits until the municipality's strategies and boards are shown.
func (b *browser) chooseMunicipality(name string) {
	b.t.Helper()
	b.do("choose "+name, chromedp.Click(buttonByText("Välj "+name)))
	b.waitFor(name+" shown", `document.querySelector('#detail')?.getAttribute('aria-busy') === 'false'`, 10*time.Second)
}
