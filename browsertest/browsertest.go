// Package browsertest drives a real headless Chromium from Go tests
// (chromedp v0.23, whose actions return their values: chromedp.Do runs
// steps, chromedp.Run one step with a result; selectors are typed, e.g.
// chromedp.CSS("#id")), for the sandbox's web chat and the duty board. CI installs
// Debian's chromium; a machine without it fails the browser tests with a
// hint rather than skipping them, unless DUTYBOT_SKIP_BROWSER=1 is set.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Timeout bounds a browser test's context.
const Timeout = 60 * time.Second

// ExecPath returns the Chromium binary: $DUTYBOT_CHROMIUM, else chromium
// or chromium-browser on PATH.
func ExecPath() (string, bool) {
	if p := os.Getenv("DUTYBOT_CHROMIUM"); p != "" {
		return p, true
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, true
		}
	}
	return "", false
}

// New starts a headless Chromium for t with a fresh profile and returns a
// browser context (one tab); everything is torn down when t ends. More
// tabs come from chromedp.NewContext(ctx).
func New(t testing.TB) context.Context {
	t.Helper()
	exe, ok := ExecPath()
	if !ok {
		if os.Getenv("DUTYBOT_SKIP_BROWSER") == "1" {
			t.Skip("no Chromium; DUTYBOT_SKIP_BROWSER=1")
		}
		t.Fatal("no Chromium found: install Debian's chromium package (as .ci/run does), set DUTYBOT_CHROMIUM, or set DUTYBOT_SKIP_BROWSER=1 to skip browser tests")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	}
	// On a loaded machine Chromium now and then exits before it opens its
	// DevTools port; a second start is not a second chance for the code
	// under test, only for the browser.
	var err error
	for attempt := 1; attempt <= 3; attempt++ {
		// A fresh profile each time: a failed start may leave its lock.
		actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
			append(opts[:len(opts):len(opts)], chromedp.UserDataDir(t.TempDir()))...)
		ctx, cancelTab := chromedp.NewContext(actx)
		ctx, cancelTimeout := context.WithTimeout(ctx, Timeout)
		stop := func() {
			cancelTimeout()
			cancelTab()
			cancelAlloc()
		}
		if err = chromedp.Do(ctx); err == nil {
			t.Cleanup(stop)
			return ctx
		}
		stop()
		t.Logf("start Chromium %s (attempt %d): %v", exe, attempt, err)
		time.Sleep(time.Duration(attempt) * 200 * time.Millisecond)
	}
	t.Fatalf("start Chromium %s: %v", exe, err)
	return nil
}

// Screenshot saves a full-page PNG of the tab as name.png in
// $DUTYBOT_SCREENSHOTS, when that is set (for closing notes and reviews);
// otherwise it does nothing.
func Screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("DUTYBOT_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 makes a PNG
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Errorf("screenshot %s: %v", name, err)
	}
}
