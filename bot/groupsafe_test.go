package bot

import "testing"

func TestGroupSafe(t *testing.T) {
	tests := []struct{ in, want string }{
		{"负责人：吴敏 13800000003", "负责人：吴敏 ***********"},
		{"张明（应急办）13800000001\n李芳（应急办）138-0000-0002", "张明（应急办）***********\n李芳（应急办）***********"},
		{"值班电话：+86 138 0000 0007。", "值班电话：***********。"},
		{"吴敏13800000003、13800000004", "吴敏***********、***********"},
		{"打开看板：http://127.0.0.1:8080/board/login?t=abc.def 15 分钟内有效", "打开看板：… 15 分钟内有效"},
		// Not phone numbers: ids, hashes, chat ids, times, short numbers.
		{"叫应 #20261130-0001，群 -1001234567890", "叫应 #20261130-0001，群 -1001234567890"},
		{"hash a13800000001b 913800000001", "hash a13800000001b 913800000001"},
		{"已应 12/20 · 08:05 · 12800000001", "已应 12/20 · 08:05 · 12800000001"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := groupSafe(tt.in); got != tt.want {
			t.Errorf("groupSafe(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
