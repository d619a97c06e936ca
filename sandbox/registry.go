package sandbox

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"dutybot/enterprise"
)

// DemoRegistry is where the sandbox looks for the example enterprise
// registry, beside its configuration: the fictional 挂牌企业 of the example
// town, so that /check, /hazards and the board's 隐患 card can be played.
const DemoRegistry = "examples/enterprises.example.yaml"

// loadDemoRegistry imports the example registry through the import path
// every registry file takes. A configuration the example does not fit
// (other officials or units) starts with an empty registry and says so.
func (s *Sandbox) loadDemoRegistry(cfgPath string) error {
	path := filepath.Join(filepath.Dir(cfgPath), DemoRegistry)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		s.log.Info("no example registry beside the configuration; /check has no enterprises", "path", path)
		return nil
	}
	if err != nil {
		return fmt.Errorf("sandbox: example registry: %w", err)
	}
	list, err := enterprise.Parse(filepath.Base(path), data, s.cfg)
	if err != nil {
		s.log.Warn("the example registry does not fit this configuration; /check has no enterprises", "path", path, "err", err)
		return nil
	}
	res, err := s.app.Enterprises.Import(list, "sandbox", filepath.Base(path))
	if err != nil {
		return fmt.Errorf("sandbox: example registry: %w", err)
	}
	s.hazardStory = s.pickHazardStory(list)
	s.log.Info("example registry loaded", "enterprises", res.Count)
	return nil
}
