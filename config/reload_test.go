package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"dutybot/directory"
)

// A reload makes the file as it is now the directory of every holder of
// the Config and says what changed; an official removed stays known to
// what was begun with them.
func TestReloadDirectory(t *testing.T) {
	path := writeDirConfig(t, dirDoc, map[string]string{"通讯录.csv": goodDirectory})
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	cp := *cfg // a service's copy
	held := cfg.People()
	// 赵丽 heads 青山村 now, 王小明 works under her; 陈刚 (with a 编号)
	// has a new number; 孙强 (without) too, so he is a new person; Anna Li
	// left and 钱多 came; 张建国 changed nothing.
	next := dirHeader +
		"王小明,青山村,村委会委员,13900000001,赵丽,,\n" +
		"赵丽,青山村,村委会主任、单位负责人,139-0000-0002,刘洋,,\n" +
		"陈刚,青山村,工作人员 管理员,13900000033,赵丽,qs-chengang,zh\n" +
		"周平,绿水社区,社区书记,13900000005,,,\n" +
		"钱多,绿水社区,网格员,13900000008,周平,,\n" +
		"孙强,应急办,科员,13900000066,吴敏,,\n" +
		"张建国,党政办,镇长、主要负责人,13900000007,刘洋,,\n"
	if err := os.WriteFile(filepath.Join(filepath.Dir(path), "通讯录.csv"), []byte(next), 0o600); err != nil {
		t.Fatal(err)
	}
	ch, err := cfg.ReloadDirectory()
	if err != nil {
		t.Fatal(err)
	}
	qs := UnitIDFor("青山村")
	want := Change{Officials: 10, Units: 4,
		Added:   []string{"p13900000008", "p13900000066"},
		Removed: []string{"p13900000004", "p13900000006"},
		Changed: []string{"p13900000001", "p13900000002", "qs-chengang"},
		Heads:   []string{qs}}
	if ch.Officials != want.Officials || ch.Units != want.Units || !slices.Equal(ch.Added, want.Added) || !slices.Equal(ch.Removed, want.Removed) ||
		!slices.Equal(ch.Changed, want.Changed) || !slices.Equal(ch.Heads, want.Heads) || len(ch.UnitsAdded)+len(ch.UnitsRemoved) != 0 {
		t.Errorf("change = %+v\nwant     %+v", ch, want)
	}
	for name, c := range map[string]*Config{"original": cfg, "copy": &cp} {
		if u, _ := c.Unit(qs); u.Head != "p13900000002" {
			t.Errorf("%s: 青山村's head is %q, want 赵丽", name, u.Head)
		}
		if o, _ := c.Official("qs-chengang"); o.Phone != "13900000033" {
			t.Errorf("%s: 陈刚's phone is %q after the reload", name, o.Phone)
		}
		if _, ok := c.Official("p13900000004"); ok {
			t.Errorf("%s: Anna Li is still in the directory", name)
		}
		if o, ok := c.KnownOfficial("p13900000004"); !ok || o.Unit != UnitIDFor("绿水社区") || c.OfficialName("p13900000004") != "Anna Li" {
			t.Errorf("%s: Anna Li is not known any more: %+v %v", name, o, ok)
		}
	}
	if u, _ := held.Unit(qs); u.Head != "p13900000001" {
		t.Error("the directory held before the reload changed")
	}
	if len(cfg.Officials) != 3 {
		t.Errorf("the parsed list changed: %d officials", len(cfg.Officials))
	}
	// A second reload keeps Anna Li known, unless she is back.
	if ch, err := cfg.ReloadDirectory(); err != nil || !ch.Empty() {
		t.Fatalf("reloading the same file: %+v, %v", ch, err)
	}
	if _, ok := cfg.KnownOfficial("p13900000004"); !ok {
		t.Error("a second reload forgot an official removed by the first")
	}
}

// A refused file changes nothing and says why by row; a configuration
// without a file has nothing to reload.
func TestReloadDirectoryRefused(t *testing.T) {
	path := writeDirConfig(t, dirDoc, map[string]string{"通讯录.csv": goodDirectory})
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	before := cfg.People()
	broken := strings.Replace(goodDirectory, "139-0000-0002", "139-0000-000", 1)
	if err := os.WriteFile(filepath.Join(filepath.Dir(path), "通讯录.csv"), []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = cfg.ReloadDirectory()
	var fe *directory.FileError
	if !errors.As(err, &fe) || len(fe.Problems) != 1 || fe.Problems[0].Row != 3 || fe.Problems[0].Column != directory.ColPhone {
		t.Fatalf("refusal = %v, want row 3's 手机号", err)
	}
	if got := Problems(err); len(got) != 1 || !strings.HasPrefix(got[0], `通讯录.csv row 3 (手机号): "139-0000-000" is not`) {
		t.Errorf("problems %q", got)
	}
	if cfg.People() != before {
		t.Error("a refused file replaced the directory")
	}
	plain, err := Parse([]byte(lookupDoc))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plain.ReloadDirectory(); !errors.Is(err, ErrNoDirectoryFile) {
		t.Errorf("reload without directory.file: %v", err)
	}
}

// Reloads at once (SIGHUP and the API) each compare with the directory
// they replace.
func TestReloadDirectoryConcurrent(t *testing.T) {
	path := writeDirConfig(t, dirDoc, map[string]string{"通讯录.csv": goodDirectory})
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ch, err := cfg.ReloadDirectory(); err != nil || !ch.Empty() {
				t.Errorf("reload: %+v, %v", ch, err)
			}
			_ = cfg.Rank("p13900000001")
		}()
	}
	wg.Wait()
}
