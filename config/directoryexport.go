package config

import (
	"strings"

	"dutybot/directory"
)

// DirectoryEntries returns the directory p, the YAML's people and the
// file's alike, as the rows of a 通讯录: read back with the configuration's
// units (their heads and 分管领导 included) and without its officials, it
// gives p again. Units are written by name (by id where two share a name),
// 上级 by name (by phone where two share a name), 编号 only where the id
// is not the one the phone makes.
func DirectoryEntries(p *People) []directory.Entry {
	unitNames := make(map[string]int, len(p.Units))
	for _, u := range p.Units {
		unitNames[strings.TrimSpace(u.Name)]++
	}
	names := make(map[string]int, len(p.Officials))
	for _, o := range p.Officials {
		names[strings.TrimSpace(o.Name)]++
	}
	ref := func(id string) string {
		o, ok := p.Official(id)
		switch {
		case !ok:
			return ""
		case names[strings.TrimSpace(o.Name)] == 1:
			return strings.TrimSpace(o.Name)
		}
		return o.Phone
	}
	out := make([]directory.Entry, len(p.Officials))
	for i, o := range p.Officials {
		e := directory.Entry{Name: o.Name, Phone: o.Phone, Roles: rolesCell(o), Language: languageWord(o.Language)}
		if o.ID != officialIDFor(o.Phone) {
			e.ID = o.ID
		}
		u, _ := p.Unit(o.Unit)
		e.Unit = u.Name
		if unitNames[strings.TrimSpace(u.Name)] != 1 {
			e.Unit = u.ID
		}
		switch {
		case o.HasRole(RoleUnitHead):
			if u.Head == o.ID && u.Leader != o.ID {
				e.Superior = ref(u.Leader)
			}
		case o.HasRole(RoleLeader, RolePrincipal):
		case u.Head != o.ID:
			e.Superior = ref(u.Head)
		}
		out[i] = e
	}
	return out
}

// rolesCell writes an official's title and roles as a 职务/角色 cell that
// splitRoles reads back: the title, then the role words, staff left out
// where the title alone says it.
func rolesCell(o Official) string {
	var words []string
	if o.Title != "" {
		words = append(words, o.Title)
	}
	for _, r := range Roles {
		if !o.HasRole(r) {
			continue
		}
		if r == RoleStaff && o.Title != "" && len(o.Roles) == 1 {
			continue
		}
		words = append(words, RoleName(r))
	}
	return strings.Join(words, "、")
}

// DirectoryTemplate returns the example rows of `dutybot directory
// template`, fictional people who show each column and rule, and the notes
// of its 说明 sheet.
func DirectoryTemplate() (examples []directory.Entry, notes []string) {
	examples = []directory.Entry{
		{Name: "张建国", Unit: "镇政府", Roles: "镇长、主要负责人", Phone: "13800001001"},
		{Name: "李卫东", Unit: "镇政府", Roles: "副镇长、分管领导", Phone: "13800001002", Superior: "张建国"},
		{Name: "王小明", Unit: "青山村", Roles: "村委会主任、单位负责人", Phone: "13800001003", Superior: "李卫东"},
		{Name: "赵丽", Unit: "青山村", Roles: "网格员", Phone: "13800001004", Superior: "王小明"},
		{Name: "陈刚", Unit: "青山村", Roles: "工作人员、管理员", Phone: "13800001005", Superior: "王小明", ID: "qs-chengang", Language: "zh"},
		{Name: "周平", Unit: "绿水社区", Roles: "社区书记", Phone: "13800001006"},
		{Name: "Anna Li", Unit: "绿水社区", Roles: "网格员", Phone: "13800001007", Superior: "周平", Language: "en"},
	}
	var roles []string
	for _, rw := range RoleWords {
		if !strings.ContainsFunc(rw.Word, func(r rune) bool { return r < 0x80 }) {
			roles = append(roles, rw.Word+"（"+rw.Role+"）")
		}
	}
	notes = []string{
		"通讯录填写说明（示例中的人员、单位和号码均为虚构，请删除后填写本单位人员）",
		"每人一行。第一行为表头；表头上方可以有标题行，“序号”“备注”等其他列不会读取。",
		"姓名（必填）：人员姓名。",
		"单位（必填）：所在单位。填写配置文件中已有单位的名称或编号；配置中没有的单位按名称自动建立。",
		"职务/角色：职务和角色词，可用“、”“，”“/”“；”或空格分隔。角色词：" + strings.Join(roles, "、") +
			"。其他词作为职务（如村委会主任、网格员）。没有角色词的人员按工作人员处理。",
		"手机号（必填）：11 位手机号，不能与其他人重复。人员分享手机号给机器人后完成绑定。",
		"上级：填写姓名（通讯录中唯一时）、手机号或编号。单位负责人一行的上级是该单位的分管领导；其他人员的上级应为本单位负责人" +
			"（单位没有负责人一行时，本单位人员的上级即为单位负责人，须一致）；分管领导、主要负责人一行的上级须能找到，但不改变配置。",
		"编号：可不填。不填时按手机号识别人员，换号即视为新人员、需重新绑定；填写编号后换号仍是同一人员。只能用小写字母、数字、- 和 _。",
		"语言：可不填；zh 为中文，en 为英文。",
		"整份文件全部正确才会启用：有问题时逐行列出（如“第 17 行（手机号）”），一处也不会采用。修改后发送 SIGHUP 或运行 dutybot directory reload 重新载入，无需重启。",
	}
	return examples, notes
}
