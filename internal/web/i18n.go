package web

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/text/language"

	"github.com/parleyhq/parley/internal/report"
	"github.com/parleyhq/parley/internal/web/plot"
)

// Lang is a language the pages speak.
type Lang string

// The languages of the UI.
const (
	English            Lang = "en"
	TraditionalChinese Lang = "zh-TW"
)

var (
	langs   = []Lang{English, TraditionalChinese}
	matcher = language.NewMatcher([]language.Tag{language.English, language.MustParse("zh-TW")})
)

// langCookie remembers the language a visitor picked with the switch.
const langCookie = "parley_lang"

// langOf picks the page language: ?lang= (remembered in a cookie), else
// the cookie, else the best match for Accept-Language. Any Chinese
// preference gets Traditional Chinese, the only Chinese the UI has.
func langOf(w http.ResponseWriter, r *http.Request) Lang {
	if l := Lang(r.URL.Query().Get("lang")); l == English || l == TraditionalChinese {
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: string(l), Path: "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
		return l
	}
	if c, err := r.Cookie(langCookie); err == nil {
		if l := Lang(c.Value); l == English || l == TraditionalChinese {
			return l
		}
	}
	tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if err != nil || len(tags) == 0 {
		return English
	}
	_, i, conf := matcher.Match(tags...)
	if conf == language.No {
		return English
	}
	return langs[i]
}

// messages holds every user-facing string of the pages: English, then
// Traditional Chinese. A test renders every page in both languages and
// fails on any key missing here.
var messages = map[string][2]string{
	"app.tagline":                               {"Customer agent performance", "客服 AI 成效"},
	"nav.performance":                           {"Performance", "成效"},
	"nav.conversations":                         {"Conversations", "對話"},
	"nav.gaps":                                  {"Knowledge gaps", "知識缺口"},
	"nav.content":                               {"Content", "內容"},
	"gaps.title":                                {"Knowledge gaps", "知識缺口"},
	"gaps.subtitle":                             {"Questions the customer agent could not answer, grouped into topics. Answer a topic once and the agent can answer it from then on.", "客服 AI 無法回答的問題，依主題分組。為主題寫一則簡答，AI 之後就能回答。"},
	"gaps.states":                               {"Topic state", "主題狀態"},
	"gaps.state.open":                           {"Open", "待處理"},
	"gaps.state.resolved":                       {"Resolved", "已解決"},
	"gaps.state.dismissed":                      {"Dismissed", "已忽略"},
	"gaps.col.topic":                            {"Topic", "主題"},
	"gaps.col.conversations":                    {"Conversations", "對話數"},
	"gaps.col.questions":                        {"Questions", "問題數"},
	"gaps.col.last":                             {"Last asked", "最近提問"},
	"gaps.recurrences":                          {"%d recurring", "再次出現 %d 次"},
	"gaps.recurrence.help":                      {"Questions asked again after the topic was resolved", "主題解決後又被問到的問題"},
	"gaps.ungrouped":                            {"Ungrouped questions (%d)", "未分組的問題（%d）"},
	"gaps.ungrouped.help":                       {"Asked, but like no other question yet: each joins a topic when a similar question arrives.", "已有人問過，但還沒有相似的問題：出現相似問題時，就會歸入主題。"},
	"gaps.ungrouped.more":                       {"The newest %d are shown.", "僅列出最新的 %d 則。"},
	"gaps.none.open":                            {"No open knowledge gaps in this range. Well done.", "此期間沒有待處理的知識缺口。"},
	"gaps.none.resolved":                        {"No resolved topics in this range.", "此期間沒有已解決的主題。"},
	"gaps.none.dismissed":                       {"Nothing dismissed in this range.", "此期間沒有已忽略的項目。"},
	"gaps.topic.open":                           {"Open", "待處理"},
	"gaps.topic.resolved":                       {"Resolved", "已解決"},
	"gaps.topic.dismissed":                      {"Dismissed", "已忽略"},
	"gaps.question.open":                        {"Open", "待處理"},
	"gaps.question.resolved":                    {"Resolved", "已解決"},
	"gaps.question.dismissed":                   {"Dismissed", "已忽略"},
	"topic.answer":                              {"Short answer", "簡答"},
	"topic.answer.help":                         {"Resolved with this answer; last edited %s (%s).", "已以此簡答解決；最後編輯於 %s（%s）。"},
	"topic.answer.recurring":                    {"It was asked %d more times since: choose those questions below to resolve them with the edited answer.", "之後又被問了 %d 次：在下方勾選這些問題，以編輯後的簡答解決。"},
	"topic.covers":                              {"Questions this answer covers (%d open)", "此簡答涵蓋的問題（%d 個待處理）"},
	"topic.save_and_resolve":                    {"Save and resolve the chosen questions", "儲存並解決所選問題"},
	"topic.select_all":                          {"Select all", "全選"},
	"topic.choose":                              {"Choose a topic…", "選擇主題…"},
	"topic.confirm.merge":                       {"Merge these topics?", "要合併這些主題嗎？"},
	"topic.confirm.merge.yes":                   {"Merge", "合併"},
	"topic.confirm.merge.text":                  {"The questions of “%s” will join “%s”, and that topic will be gone.", "「%s」的問題將併入「%s」，原主題將不再存在。"},
	"topic.confirm.move_questions":              {"Move these questions?", "要移動這些問題嗎？"},
	"topic.confirm.move_questions.yes":          {"Move", "移動"},
	"topic.confirm.move_questions.text":         {"%d questions will leave “%s” for “%s”.", "%d 個問題將從「%s」移至「%s」。"},
	"topic.confirm.cancel":                      {"Cancel", "取消"},
	"topic.label":                               {"Grouped as: %s", "自動分組名稱：%s"},
	"topic.questions":                           {"Questions (%d)", "問題（%d）"},
	"topic.select":                              {"Select question", "選取問題"},
	"topic.col.question":                        {"Question", "問題"},
	"topic.col.asked":                           {"Asked", "提問時間"},
	"topic.col.state":                           {"State", "狀態"},
	"topic.col.links":                           {"Links", "連結"},
	"topic.conversation":                        {"Conversation", "對話"},
	"topic.ticket":                              {"Ticket", "工單"},
	"topic.recurrence":                          {"recurrence", "再次出現"},
	"topic.recurrences":                         {"Asked %d more times after it was resolved: the short answer beside the questions should have covered them.", "解決後又被問了 %d 次：旁邊的簡答原本應涵蓋這些問題。"},
	"topic.answered":                            {"Answered by:", "已由此簡答解決："},
	"topic.dismiss_selected":                    {"Dismiss selected", "忽略所選"},
	"topic.restore_selected":                    {"Restore selected", "還原所選"},
	"topic.move_to":                             {"Move selected to", "將所選移至"},
	"topic.move":                                {"Move", "移動"},
	"topic.resolve":                             {"Resolve with a short answer", "以簡答解決"},
	"topic.resolve.help":                        {"Edit the question, write the answer the agent should give, choose the questions it covers, then create it: those questions and the topic become resolved.", "編輯問題、寫下 AI 應給的答案、選擇涵蓋的問題後建立：這些問題及主題即標為已解決。"},
	"topic.create_and_resolve":                  {"Create and resolve", "建立並解決"},
	"topic.manage":                              {"Manage topic", "管理主題"},
	"topic.dismiss":                             {"Dismiss topic", "忽略主題"},
	"topic.restore":                             {"Restore topic", "還原主題"},
	"topic.rename":                              {"Name", "名稱"},
	"topic.save_name":                           {"Rename", "重新命名"},
	"topic.merge":                               {"Merge another topic into this one", "將其他主題合併至此"},
	"topic.merge_here":                          {"Merge", "合併"},
	"topic.done.resolve":                        {"Short answer saved; the questions it covers are resolved.", "已儲存簡答，所涵蓋的問題已解決。"},
	"topic.done.dismiss":                        {"Topic dismissed. Later questions like these stay dismissed.", "主題已忽略，之後類似的問題也會維持忽略。"},
	"topic.done.restore":                        {"Topic restored.", "主題已還原。"},
	"topic.done.rename":                         {"Topic renamed.", "主題已重新命名。"},
	"topic.done.merge":                          {"Topics merged.", "主題已合併。"},
	"topic.done.dismiss_questions":              {"Questions dismissed.", "問題已忽略。"},
	"topic.done.restore_questions":              {"Questions restored.", "問題已還原。"},
	"topic.done.move_questions":                 {"Questions moved.", "問題已移動。"},
	"form.fix":                                  {"Please correct the following:", "請修正以下項目："},
	"content.title":                             {"Short answers", "簡答"},
	"content.subtitle":                          {"Short, direct answers the customer agent's platform pulls and searches.", "客服 AI 平台會擷取並搜尋的簡短答案。"},
	"content.search":                            {"Search", "搜尋"},
	"content.search.go":                         {"Search", "搜尋"},
	"content.updated":                           {"Updated %s", "更新於 %s"},
	"content.topic":                             {"Topic", "主題"},
	"content.none":                              {"No short answers yet. Resolve a knowledge gap or write one here.", "尚無簡答。解決一個知識缺口，或在此撰寫。"},
	"content.nomatch":                           {"No short answer matches.", "沒有符合的簡答。"},
	"content.new":                               {"New short answer", "新增簡答"},
	"content.create":                            {"Create", "建立"},
	"content.done.created":                      {"Short answer created.", "已建立簡答。"},
	"content.done.saved":                        {"Short answer saved.", "已儲存簡答。"},
	"content.done.deleted":                      {"Short answer deleted.", "已刪除簡答。"},
	"answer.title":                              {"Edit short answer", "編輯簡答"},
	"answer.question":                           {"Question", "問題"},
	"answer.answer":                             {"Answer", "答案"},
	"answer.save":                               {"Save", "儲存"},
	"answer.delete":                             {"Delete", "刪除"},
	"nav.settings":                              {"Settings", "設定"},
	"nav.signout":                               {"Sign out", "登出"},
	"signin.title":                              {"Sign in", "登入"},
	"signin.email":                              {"Email", "電子郵件"},
	"signin.password":                           {"Password", "密碼"},
	"signin.submit":                             {"Sign in", "登入"},
	"signin.wrong":                              {"That email and password do not match.", "電子郵件或密碼不正確。"},
	"signin.slow":                               {"Too many attempts. Wait a minute and try again.", "嘗試次數過多，請稍候一分鐘再試。"},
	"setup.title":                               {"Create the first admin", "建立第一位管理員"},
	"setup.help":                                {"This Parley has nobody in it yet. The first person becomes the admin of the default workspace and can add everyone else.", "此 Parley 尚無使用者。第一位使用者將成為預設工作區的管理員，並可新增其他人。"},
	"setup.submit":                              {"Create and sign in", "建立並登入"},
	"settings.title":                            {"Settings", "設定"},
	"settings.time_zone":                        {"Time zone (IANA, such as Asia/Taipei)", "時區（IANA 名稱，例如 Asia/Taipei）"},
	"settings.week_start":                       {"Weeks start on", "每週起始日"},
	"settings.window":                           {"Evaluation window", "評估時間窗"},
	"settings.window.help":                      {"a duration such as 72h, 36h or 7d, from 1h to 30d", "時間長度，例如 72h、36h 或 7d，介於 1h 與 30d 之間"},
	"settings.channels":                         {"Counted channels", "計入的管道"},
	"settings.channels.help":                    {"comma-separated; empty counts every channel", "以逗號分隔；留空表示計入所有管道"},
	"settings.definition":                       {"Resolution definition", "解決的定義"},
	"settings.criterion":                        {"A conversation the customer agent decided alone is resolved when the visitor did not ask for a human, the last agent reply was not rated negative, and:", "客服 AI 獨自處理的對話，在訪客未要求真人、最後一則 AI 回覆沒有負評，且符合下列條件時視為已解決："},
	"settings.criterion.cited_source_or_action": {"an agent reply cited a source or ran a succeeded action (default)", "有 AI 回覆引用了來源或成功執行了動作（預設）"},
	"settings.criterion.any_agent_reply":        {"the agent replied at all — for platforms that cannot report citations, such as Chatwoot bots", "AI 有任何回覆即可——適用於無法回報引用來源的平台，例如 Chatwoot 機器人"},
	"settings.failed_last_action":               {"A conversation whose last agent action failed is unresolved (last_action_failed)", "最後一個 AI 動作失敗的對話視為未解決（last_action_failed）"},
	"settings.recompute.help":                   {"Changing the time zone, the window or the resolution definition recomputes every outcome in the background; reports keep the previous numbers until the new ones are complete.", "變更時區、時間窗或解決的定義會在背景重新計算所有結果；新數字完整之前，報表保留先前的數字。"},
	"settings.version":                          {"Settings version %d: every change counts one more, and is in the audit log.", "設定版本 %d：每次變更加一，並記錄於稽核紀錄。"},
	"settings.done.saved":                       {"Settings saved.", "設定已儲存。"},
	"settings.done.recompute":                   {"Settings saved. Every conversation is being evaluated again with them; until that is done, reports show the previous numbers and how far it has come, then switch at once.", "設定已儲存。正在以新設定重新評估所有對話；完成之前報表顯示先前的數字與進度，完成後立即切換。"},
	"people.title":                              {"People", "成員"},
	"people.name":                               {"Name", "姓名"},
	"people.role":                               {"Role", "角色"},
	"people.change":                             {"Change", "變更"},
	"people.remove":                             {"Remove", "移除"},
	"people.add":                                {"Add a person", "新增成員"},
	"people.add.help":                           {"Someone who already has an account keeps their password and only gets this workspace.", "已有帳號的人會保留原密碼，僅加入此工作區。"},
	"people.password.help":                      {"(at least 10 characters)", "（至少 10 個字元）"},
	"people.done.add":                           {"Person added.", "已新增成員。"},
	"people.done.role":                          {"Role changed.", "角色已變更。"},
	"people.done.remove":                        {"Person removed from this workspace.", "已將成員移出此工作區。"},
	"role.viewer":                               {"Viewer", "檢視者"},
	"role.editor":                               {"Editor", "編輯者"},
	"role.admin":                                {"Admin", "管理員"},
	"tokens.title":                              {"API tokens", "API 權杖"},
	"tokens.once":                               {"Copy this token now: it is shown only once.", "請立即複製此權杖，它只會顯示一次。"},
	"tokens.name":                               {"Name", "名稱"},
	"tokens.token":                              {"Token", "權杖"},
	"tokens.scopes":                             {"Scopes", "範圍"},
	"tokens.created":                            {"Created", "建立時間"},
	"tokens.used":                               {"Last used", "最近使用"},
	"tokens.never":                              {"never", "從未"},
	"tokens.revoked":                            {"revoked", "已撤銷"},
	"tokens.revoke":                             {"Revoke", "撤銷"},
	"tokens.none":                               {"No tokens yet.", "尚無權杖。"},
	"tokens.new":                                {"New token", "新增權杖"},
	"tokens.create":                             {"Create token", "建立權杖"},
	"sources.title":                             {"Sources", "資料來源"},
	"sources.intro":                             {"Sources let the platforms you already run tell Parley what happens in conversations, in their own format: Chatwoot's webhooks, or the OpenTelemetry traces of your agent.", "資料來源讓您既有的平台以其原生格式告訴 Parley 對話中發生了什麼：Chatwoot 的 Webhook，或您 AI 客服的 OpenTelemetry 追蹤資料。"},
	"sources.created":                           {"Source created.", "已建立資料來源。"},
	"sources.once":                              {"Copy what follows now: its token is shown only once.", "請立即複製以下內容：其中的權杖只會顯示一次。"},
	"sources.paste.chatwoot":                    {"In Chatwoot, open Settings › Integrations › Webhooks, add a webhook with this URL, and subscribe it to Conversation Created, Conversation Status Changed, Conversation Updated, Message Created and Message Updated.", "在 Chatwoot 開啟「設定 › 整合 › Webhooks」，以此網址新增 Webhook，並訂閱 Conversation Created、Conversation Status Changed、Conversation Updated、Message Created 與 Message Updated。"},
	"sources.paste.secret":                      {"Chatwoot then shows the webhook's secret: set it here with “Set signing secret”, and Parley checks the signature of every delivery.", "接著 Chatwoot 會顯示這個 Webhook 的密鑰：請在此以「設定簽章密鑰」填入，Parley 便會檢查每次傳送的簽章。"},
	"sources.paste.otlp":                        {"Set these in your agent's environment: the OTLP/HTTP exporter of every OpenTelemetry SDK reads them.", "請在您 AI 客服的執行環境設定以下變數：每個 OpenTelemetry SDK 的 OTLP/HTTP 匯出器都會讀取。"},
	"sources.name":                              {"Name", "名稱"},
	"sources.name.example":                      {"Chatwoot, support site", "Chatwoot 客服網站"},
	"sources.kind":                              {"Platform", "平台"},
	"sources.kind.chatwoot":                     {"Chatwoot", "Chatwoot"},
	"sources.kind.otlp":                         {"OpenTelemetry", "OpenTelemetry"},
	"sources.token":                             {"Token", "權杖"},
	"sources.signature":                         {"Signature", "簽章"},
	"sources.signed":                            {"checked (signing secret set)", "會檢查（已設定簽章密鑰）"},
	"sources.unsigned":                          {"not checked (no signing secret)", "不檢查（未設定簽章密鑰）"},
	"sources.created_at":                        {"Created", "建立時間"},
	"sources.last_delivery":                     {"Last delivery", "最近一次傳送"},
	"sources.never":                             {"never", "從未"},
	"sources.deliveries":                        {"Deliveries", "傳送"},
	"sources.counts":                            {"%s accepted: %s events stored, %s duplicates, %s with nothing to count", "已接受 %s 次：儲存 %s 筆事件、%s 筆重複、%s 次無可計入內容"},
	"sources.rejected":                          {"Rejected", "已拒絕"},
	"sources.last_error":                        {"Last error", "最近錯誤"},
	"sources.no_error":                          {"none", "無"},
	"sources.refused":                           {"Refused, not authenticated", "驗證未通過而拒絕"},
	"sources.refused.count":                     {"%s since this server started; the last:", "自本伺服器啟動以來 %s 次；最近一次："},
	"sources.revoked":                           {"revoked", "已撤銷"},
	"sources.secret":                            {"Signing secret", "簽章密鑰"},
	"sources.secret.help":                       {"optional: the secret Chatwoot shows for the webhook", "選填：Chatwoot 為此 Webhook 顯示的密鑰"},
	"sources.secret.set":                        {"Set signing secret", "設定簽章密鑰"},
	"sources.secret.change":                     {"Change signing secret", "變更簽章密鑰"},
	"sources.secret.remove":                     {"Remove signing secret", "移除簽章密鑰"},
	"sources.revoke":                            {"Revoke", "撤銷"},
	"sources.none":                              {"No sources yet. Create one to connect Chatwoot, or an agent instrumented with OpenTelemetry.", "尚無資料來源。建立一個，即可連接 Chatwoot 或以 OpenTelemetry 監測的 AI 客服。"},
	"sources.new":                               {"New source", "新增資料來源"},
	"sources.create":                            {"Create source", "建立資料來源"},
	"sources.help":                              {"A Chatwoot source gets a URL that holds its token; an OpenTelemetry source gets a token for the exporter's Authorization header. Revoking a source stops it at once.", "Chatwoot 資料來源會取得內含權杖的網址；OpenTelemetry 資料來源會取得用於匯出器 Authorization 標頭的權杖。撤銷後立即停止接收。"},
	"sources.done.secret":                       {"Signing secret set: every delivery must now carry Chatwoot's signature.", "已設定簽章密鑰：之後每次傳送都必須附上 Chatwoot 的簽章。"},
	"sources.done.unsign":                       {"Signing secret removed.", "已移除簽章密鑰。"},
	"sources.done.revoke":                       {"Source revoked: its token no longer works.", "已撤銷資料來源：其權杖已失效。"},
	"scope.ingest":                              {"send events", "傳送事件"},
	"scope.read":                                {"read reports, gaps, short answers", "讀取報表、缺口、簡答"},
	"scope.write":                               {"resolve gaps, edit short answers", "解決缺口、編輯簡答"},
	"scope.admin":                               {"read and change the workspace's settings", "讀取與變更工作區設定"},
	"fixes.title":                               {"Did the fix work?", "簡答有效嗎？"},
	"fixes.tab":                                 {"Fixes", "簡答成效"},
	"fixes.subtitle":                            {"Every topic a short answer closed, by its effect: how often its question has been asked since the answer was written, against the same length of time before.", "每個以簡答解決的主題，依成效排列：寫下簡答之後，這個問題被問到的頻率，與之前同樣長的期間相比。"},
	"fixes.sort.effect":                         {"Effect", "成效"},
	"fixes.sort.recurrences":                    {"Most recurrences", "再次出現最多"},
	"fixes.sort.fixed":                          {"Newest answer", "最新簡答"},
	"fixes.sort.topic":                          {"Topic", "主題"},
	"fixes.col.verdict":                         {"Effect", "成效"},
	"fixes.col.per_week":                        {"Questions per week", "每週提問數"},
	"fixes.col.change":                          {"Change", "變化"},
	"fixes.col.recurrences":                     {"Recurrences", "再次出現"},
	"fixes.col.resolution":                      {"Resolution rate", "解決率"},
	"fixes.col.fixed":                           {"Answered", "寫下簡答"},
	"fixes.window":                              {"Before → after, over %s days either side of the short answer", "簡答前 → 後，前後各 %s 天"},
	"fixes.resolution.help":                     {"Before: %d of %d decided resolved. After: %d of %d, of the conversations with the question or answered with the short answer (%d).", "簡答前：已判定 %[2]d 則中解決 %[1]d 則。簡答後：%[4]d 則中解決 %[3]d 則，含提出這個問題或以簡答回覆（%[5]d 則）的對話。"},
	"fixes.csv":                                 {"Download CSV", "下載 CSV"},
	"fixes.none":                                {"No topic has been resolved with a short answer yet. Resolve a topic on its page, and its effect shows here.", "還沒有以簡答解決的主題。在主題頁面寫下簡答後，成效就會顯示在這裡。"},
	"fixes.how":                                 {"Each short answer is measured over two windows of the same length either side of the moment it was written: the time since then, at most 28 days. Questions per week counts the topic's questions asked in each window (dismissed ones aside); recurrences count every question asked since. The conversations that asked it are those with one of its questions and, after the answer, those whose agent cited the short answer; the resolution rate is of the decided ones among them. Worked: asked at most half as often; helped: less often; no effect: as often or more. A verdict needs the answer in place for 7 days and 3 questions in the window before.", "每則簡答以寫下時間為中心，比較前後兩段等長的期間：寫下後經過的時間，最多 28 天。每週提問數計算各期間內這個主題的問題（已忽略的除外）；再次出現則計算寫下後的所有問題。提出這個問題的對話，是含有這些問題的對話，以及簡答寫下後，AI 引用這則簡答的對話；解決率以其中已判定的對話計算。有效：提問頻率減少一半以上；有幫助：減少；無明顯效果：持平或增加。簡答需上線 7 天、且之前的期間有 3 個問題，才會判定。"},
	"fixes.how.cite":                            {"Visitors the short answer helped leave no question behind. So that they are counted, have the agent cite the short answer it used as a source whose id is short-answer:ID, the short answer's id in the short-answers API.", "簡答幫到的訪客不會留下問題。為了計入他們，請讓 AI 在使用簡答時，將它列為來源，id 為 short-answer:ID（簡答 API 中的 id）。"},
	"fix.title":                                 {"Did the fix work?", "簡答有效嗎？"},
	"fix.before":                                {"Before", "簡答前"},
	"fix.after":                                 {"After", "簡答後"},
	"fix.chart":                                 {"Questions per week, before and after the short answer", "簡答前後的每週提問數"},
	"fix.window":                                {"Short answer written %s; compared over %s days either side.", "簡答寫於 %s；比較前後各 %s 天。"},
	"fix.chart.short":                           {"Weeks are counted from the short answer; * marks a week the window or today cuts short.", "週次從寫下簡答起算；* 表示被比較期間或今天截短的一週。"},
	"fix.questions":                             {"Questions", "問題數"},
	"fix.conversations":                         {"Conversations that asked", "提問的對話"},
	"fix.cited":                                 {"%d answered with the short answer", "%d 則以簡答回覆"},
	"fix.recurrences":                           {"Asked %d times since the short answer was written.", "寫下簡答後又被問了 %d 次。"},
	"fix.last":                                  {"Last on %s.", "最近一次：%s。"},
	"fix.all":                                   {"Every fix and its effect", "所有簡答的成效"},
	"fix.verdict.worked":                        {"Worked", "有效"},
	"fix.verdict.helped":                        {"Helped", "有幫助"},
	"fix.verdict.no_effect":                     {"No effect", "無明顯效果"},
	"fix.verdict.too_few":                       {"Too few to tell", "問題太少"},
	"fix.verdict.too_early":                     {"Too early", "時間太短"},
	"fix.verdict.worked.help":                   {"Asked at most half as often since the short answer was written.", "寫下簡答後，被問到的頻率減少一半以上。"},
	"fix.verdict.helped.help":                   {"Asked less often since the short answer was written, by less than half.", "寫下簡答後，被問到的頻率減少，但不到一半。"},
	"fix.verdict.no_effect.help":                {"Asked as often or more since the short answer was written: check that the agent finds and uses it.", "寫下簡答後，被問到的頻率持平或增加：請確認 AI 找得到並使用這則簡答。"},
	"fix.verdict.too_few.help":                  {"Fewer than 3 questions in the window before the short answer: too few to tell.", "簡答前的期間不到 3 個問題，無法判斷。"},
	"fix.verdict.too_early.help":                {"In place for less than 7 days: too early to tell.", "上線不到 7 天，還無法判斷。"},
	"usage.title.source":                        {"Sources", "引用來源"},
	"usage.title.action":                        {"Actions", "動作"},
	"usage.subtitle.source":                     {"What each cited source does for resolution", "每個引用來源對解決率的影響"},
	"usage.subtitle.action":                     {"What each action the agent performs does for resolution", "AI 執行的每個動作對解決率的影響"},
	"usage.tab.overview":                        {"Overview", "總覽"},
	"usage.tab.sources":                         {"Sources", "引用來源"},
	"usage.tab.actions":                         {"Actions", "動作"},
	"usage.meta":                                {"conversations by the day they started · definition v%d", "依對話開始日計算 · 定義 v%d"},
	"usage.pending":                             {"%s conversations are still pending: their rates may change", "%s 則對話仍待判定，比率可能變動"},
	"usage.col.source":                          {"Source", "來源"},
	"usage.col.action":                          {"Action", "動作"},
	"usage.col.conversations":                   {"Conversations", "對話"},
	"usage.col.resolution_rate":                 {"Resolution rate", "解決率"},
	"usage.col.handoff_rate":                    {"Handoff rate", "轉真人率"},
	"usage.col.negative_rate":                   {"Negative feedback", "負評率"},
	"usage.col.failure_rate":                    {"Failure rate", "失敗率"},
	"usage.of_decided":                          {"%s of %s decided", "已判定 %[2]s 則中的 %[1]s 則"},
	"usage.of_rated":                            {"%s of %s rated replies", "已評分回覆 %[2]s 則中的 %[1]s 則"},
	"usage.of_calls":                            {"%s of %s performed", "執行 %[2]s 次中的 %[1]s 次"},
	"usage.review":                              {"review this content", "請檢查此內容"},
	"usage.csv":                                 {"Download CSV", "下載 CSV"},
	"usage.none.source":                         {"No agent reply cited a source in this range.", "此期間沒有 AI 回覆引用來源。"},
	"usage.none.action":                         {"The agent performed no action in this range.", "此期間 AI 未執行任何動作。"},
	"usage.how.source":                          {"A source counts once per conversation whose agent replies cited it, in the week the conversation started. Resolution and handoff rates are of those conversations that are decided, by the resolution definition named above; negative feedback is the share of the rated replies citing it whose latest rating is negative. The title and link are those of the source's latest citation.", "每則對話中 AI 回覆引用過的來源計一次，依對話開始的那一週計算。解決率與轉真人率以其中已判定的對話為分母（依上方的解決定義）；負評率是引用此來源且有評分的回覆中，最新評分為負評的比例。標題與連結取自最近一次引用。"},
	"usage.how.action":                          {"An action counts once per conversation whose agent replies performed it, in the week the conversation started. Resolution and handoff rates are of those conversations that are decided; negative feedback is the share of the rated replies that performed it whose latest rating is negative; the failure rate is the share of its performances that failed.", "每則對話中 AI 回覆執行過的動作計一次，依對話開始的那一週計算。解決率與轉真人率以其中已判定的對話為分母；負評率是執行此動作且有評分的回覆中，最新評分為負評的比例；失敗率是執行次數中失敗的比例。"},
	"usage.how.review":                          {"A source is marked \"review this content\" when it appears mostly in conversations that were not resolved — fewer than half of at least 10 decided conversations that cited it were resolved — or in replies rated negative: more than half of at least 5 rated replies that cited it.", "來源出現在多數未解決的對話中（至少 10 則已判定的對話中不到一半已解決），或多數負評回覆中（至少 5 則已評分回覆中超過一半為負評）時，會標示「請檢查此內容」。"},
	"webhooks.title":                            {"Webhooks", "Webhook"},
	"webhooks.intro":                            {"Parley posts each event you subscribe to, as JSON, to your URL: signed, retried for 24 hours, and logged.", "Parley 會將您訂閱的每個事件以 JSON 傳送到您的網址：附簽章、失敗時重試 24 小時，並留有紀錄。"},
	"webhooks.once":                             {"Copy this signing secret now: it is shown only once.", "請立即複製此簽章密鑰，它只會顯示一次。"},
	"webhooks.open":                             {"Open %s and its delivery log", "開啟 %s 及其傳送紀錄"},
	"webhooks.url":                              {"URL", "網址"},
	"webhooks.events":                           {"Events", "事件"},
	"webhooks.event":                            {"Event", "事件"},
	"webhooks.secret":                           {"Signing secret", "簽章密鑰"},
	"webhooks.paused":                           {"paused", "已暫停"},
	"webhooks.none":                             {"No webhooks yet.", "尚無 Webhook。"},
	"webhooks.new":                              {"New webhook", "新增 Webhook"},
	"webhooks.create":                           {"Create webhook", "建立 Webhook"},
	"webhooks.description":                      {"Description (optional)", "說明（選填）"},
	"webhooks.event.outcome.decided":            {"a conversation's outcome is decided, or changes", "對話結果已判定或有變更"},
	"webhooks.event.topic.created":              {"a new knowledge-gap topic", "新的知識缺口主題"},
	"webhooks.event.topic.recurred":             {"a question comes back to a resolved topic", "已解決主題又出現相同問題"},
	"webhooks.event.report.weekly":              {"last week's Impact numbers, once all are decided", "上週成效數字（全部判定後傳送）"},
	"webhooks.verify":                           {"Verifying a delivery", "驗證傳送"},
	"webhooks.verify.help":                      {"Each delivery carries webhook-id, webhook-timestamp and webhook-signature headers (the Standard Webhooks scheme). Compute HMAC-SHA256 over \"id.timestamp.body\" with the base64-decoded part of the secret after whsec_, and compare its base64 with the signature after \"v1,\"; refuse timestamps more than 5 minutes old. The README shows it in code.", "每次傳送都帶有 webhook-id、webhook-timestamp 與 webhook-signature 標頭（Standard Webhooks 規格）。以密鑰 whsec_ 之後經 base64 解碼的內容為金鑰，對「id.timestamp.body」計算 HMAC-SHA256，將其 base64 與簽章中「v1,」之後的值比對；拒絕超過 5 分鐘的時間戳記。README 附有程式範例。"},
	"webhooks.log":                              {"Delivery log", "傳送紀錄"},
	"webhooks.log.none":                         {"No deliveries here yet.", "目前沒有傳送紀錄。"},
	"webhooks.delivery":                         {"Delivery", "傳送"},
	"webhooks.state":                            {"State", "狀態"},
	"webhooks.state.all":                        {"All", "全部"},
	"webhooks.state.pending":                    {"pending", "等待中"},
	"webhooks.state.succeeded":                  {"succeeded", "成功"},
	"webhooks.state.failed":                     {"failed", "失敗"},
	"webhooks.status":                           {"Response", "回應碼"},
	"webhooks.no_answer":                        {"no answer", "無回應"},
	"webhooks.attempts":                         {"Attempts", "嘗試次數"},
	"webhooks.attempts.none":                    {"Not attempted yet.", "尚未嘗試。"},
	"webhooks.last":                             {"Last attempt", "最近嘗試"},
	"webhooks.next":                             {"Next attempt", "下次嘗試"},
	"webhooks.queued":                           {"Queued", "排入時間"},
	"webhooks.give_up":                          {"Retried until", "重試至"},
	"webhooks.when":                             {"When", "時間"},
	"webhooks.duration":                         {"Took", "耗時"},
	"webhooks.answer":                           {"Answer", "回應內容"},
	"webhooks.payload":                          {"Payload", "內容"},
	"webhooks.replay":                           {"Send again", "重新傳送"},
	"webhooks.older":                            {"Older deliveries →", "較早的傳送 →"},
	"webhooks.edit":                             {"Settings", "設定"},
	"webhooks.pause":                            {"Paused: queue nothing new", "暫停：不再排入新事件"},
	"webhooks.ping":                             {"Send a test delivery", "傳送測試"},
	"webhooks.rotate":                           {"New secret", "更換密鑰"},
	"webhooks.delete":                           {"Delete", "刪除"},
	"webhooks.done.update":                      {"Webhook saved.", "Webhook 已儲存。"},
	"webhooks.done.ping":                        {"A test delivery is on its way.", "測試傳送已送出。"},
	"webhooks.done.replay":                      {"The delivery will be sent again now.", "此傳送將立即重新送出。"},
	"audit.topic":                               {"topic %d", "主題 %d"},
	"label.sep":                                 {": ", "："},
	"list.sep":                                  {", ", "、"},
	"unit.days":                                 {"%d days", "%d 天"},
	"times.tz":                                  {"Times are in %s, the workspace's time zone.", "時間以工作區時區 %s 顯示。"},
	"audit.gap.resolve":                         {"%[1]s resolved %[2]s with the short answer “%[3]s”.", "%[1]s 以簡答「%[3]s」解決了 %[2]s。"},
	"audit.gap.dismiss":                         {"%[1]s dismissed %[2]s.", "%[1]s 忽略了 %[2]s。"},
	"audit.gap.restore":                         {"%[1]s restored %[2]s.", "%[1]s 還原了 %[2]s。"},
	"audit.gap.rename":                          {"%[1]s renamed %[2]s: “%[3]s” → “%[4]s”.", "%[1]s 將 %[2]s 重新命名：「%[3]s」→「%[4]s」。"},
	"audit.gap.rename.new":                      {"%[1]s renamed %[2]s to “%[4]s”.", "%[1]s 將 %[2]s 重新命名為「%[4]s」。"},
	"audit.gap.merge":                           {"%[1]s merged %[3]s into %[2]s.", "%[1]s 將 %[3]s 合併至 %[2]s。"},
	"audit.gap.move_questions":                  {"%[1]s moved %[3]d questions from %[2]s to %[4]s.", "%[1]s 將 %[3]d 個問題從 %[2]s 移至 %[4]s。"},
	"audit.gap.move_questions.one":              {"%[1]s moved a question from %[2]s to %[4]s.", "%[1]s 將 1 個問題從 %[2]s 移至 %[4]s。"},
	"audit.gap.dismiss_questions.one":           {"%[1]s dismissed a question of %[2]s.", "%[1]s 忽略了 %[2]s 的 1 個問題。"},
	"audit.gap.restore_questions.one":           {"%[1]s restored a question of %[2]s.", "%[1]s 還原了 %[2]s 的 1 個問題。"},
	"audit.gap.dismiss_questions":               {"%[1]s dismissed %[3]d questions of %[2]s.", "%[1]s 忽略了 %[2]s 的 %[3]d 個問題。"},
	"audit.gap.restore_questions":               {"%[1]s restored %[3]d questions of %[2]s.", "%[1]s 還原了 %[2]s 的 %[3]d 個問題。"},
	"audit.short_answer.create":                 {"%[1]s wrote the short answer %[2]s.", "%[1]s 新增了簡答 %[2]s。"},
	"audit.short_answer.update":                 {"%[1]s edited the short answer %[2]s.", "%[1]s 編輯了簡答 %[2]s。"},
	"audit.short_answer.delete":                 {"%[1]s deleted the short answer %[2]s.", "%[1]s 刪除了簡答 %[2]s。"},
	"audit.conversations.retry":                 {"%[1]s retried the conversation set aside %[2]s.", "%[1]s 重試了暫置的對話 %[2]s。"},
	"audit.conversations.retry.all":             {"%[1]s retried the conversations set aside (%[2]d).", "%[1]s 重試了暫置的對話（%[2]d 筆）。"},
	"audit.settings.update":                     {"%[1]s changed the settings: %[2]s.", "%[1]s 變更了設定：%[2]s。"},
	"audit.user.add":                            {"%[1]s added %[2]s as %[3]s.", "%[1]s 新增了 %[2]s，角色為%[3]s。"},
	"audit.user.remove":                         {"%[1]s removed %[2]s from the workspace.", "%[1]s 將 %[2]s 移出工作區。"},
	"audit.user.role":                           {"%[1]s changed the role of %[2]s: %[3]s → %[4]s.", "%[1]s 將 %[2]s 的角色從%[3]s改為%[4]s。"},
	"audit.user.role.new":                       {"%[1]s made %[2]s %[4]s.", "%[1]s 將 %[2]s 的角色設為%[4]s。"},
	"audit.token.create":                        {"%[1]s created the API token “%[2]s” (%[3]s).", "%[1]s 建立了 API 權杖「%[2]s」（%[3]s）。"},
	"audit.token.revoke":                        {"%[1]s revoked API token #%[2]s.", "%[1]s 撤銷了 API 權杖 #%[2]s。"},
	"audit.source.create":                       {"%[1]s connected the %[2]s source “%[3]s”; signature %[4]s.", "%[1]s 連接了 %[2]s 資料來源「%[3]s」；簽章%[4]s。"},
	"audit.source.revoke":                       {"%[1]s revoked source #%[2]s.", "%[1]s 撤銷了資料來源 #%[2]s。"},
	"audit.source.secret":                       {"%[1]s set the signing secret of source #%[2]s.", "%[1]s 設定了資料來源 #%[2]s 的簽章密鑰。"},
	"audit.source.secret.removed":               {"%[1]s removed the signing secret of source #%[2]s.", "%[1]s 移除了資料來源 #%[2]s 的簽章密鑰。"},
	"audit.webhook.create":                      {"%[1]s added a webhook: %[3]s.", "%[1]s 新增了 webhook：%[3]s。"},
	"audit.webhook.update":                      {"%[1]s changed a webhook: %[3]s.", "%[1]s 變更了 webhook：%[3]s。"},
	"audit.webhook.delete":                      {"%[1]s deleted the webhook %[3]s.", "%[1]s 刪除了 webhook %[3]s。"},
	"audit.webhook.rotate_secret":               {"%[1]s gave a webhook a new signing secret.", "%[1]s 為 webhook 換了新的簽章密鑰。"},
	"audit.webhook.replay":                      {"%[1]s sent a webhook delivery again.", "%[1]s 重新傳送了一次 webhook 投遞。"},
	"setting.time_zone":                         {"time zone", "時區"},
	"setting.week_start":                        {"week start", "每週起始日"},
	"setting.window":                            {"evaluation window", "評估時間窗"},
	"setting.counted_channels":                  {"counted channels", "計入的管道"},
	"setting.resolution_criterion":              {"resolution definition", "解決的定義"},
	"setting.failed_last_action":                {"“last action failed” rule", "「最後動作失敗」規則"},
	"setting.criterion.cited_source_or_action":  {"a reply cited a source or ran an action", "回覆引用了來源或執行了動作"},
	"setting.criterion.any_agent_reply":         {"any agent reply", "任何 AI 回覆"},
	"setting.onoff.true":                        {"on", "開啟"},
	"setting.onoff.false":                       {"off", "關閉"},
	"audit.title":                               {"Audit log", "稽核紀錄"},
	"audit.when":                                {"When", "時間"},
	"audit.what":                                {"What changed", "變更內容"},
	"audit.none":                                {"No changes recorded yet.", "尚無變更紀錄。"},
	"setaside.title":                            {"Set aside", "暫置"},
	"setaside.intro":                            {"Conversations whose evaluation failed: a stored event that cannot be read, or an outcome or a question the database refused. Each keeps the outcome it had, which the reports go on counting, so that every other conversation goes on; it is evaluated again when new events arrive, when you retry it, after a rebuild and when another release starts.", "評估失敗的對話：儲存的事件無法讀取，或資料庫拒絕其結果或問題。它們保留原有的結果（報表照舊計算），其他對話照常評估；有新事件、您重試、重建或新版本啟動時會再評估。"},
	"setaside.none":                             {"No conversation is set aside.", "沒有暫置的對話。"},
	"setaside.conversation":                     {"Conversation", "對話"},
	"setaside.when":                             {"Set aside", "暫置時間"},
	"setaside.error":                            {"Error", "錯誤"},
	"setaside.release":                          {"Release", "版本"},
	"setaside.retry":                            {"Retry", "重試"},
	"setaside.retry_all":                        {"Retry all", "全部重試"},
	"setaside.retried":                          {"%d conversations will be evaluated again in the next pass.", "%d 個對話將於下一輪重新評估。"},
	"nav.language":                              {"Language", "語言"},
	"nav.skip":                                  {"Skip to content", "跳至內容"},
	"perf.title":                                {"Performance", "成效"},
	"perf.subtitle":                             {"How your customer agent handled conversations, and how they ended.", "客服 AI 處理了哪些對話，以及對話的結果。"},
	"filter.range":                              {"Range", "期間"},
	"filter.from":                               {"From", "開始"},
	"filter.to":                                 {"To", "結束"},
	"filter.granularity":                        {"Group by", "分組"},
	"filter.channels":                           {"Channels", "管道"},
	"filter.all":                                {"All channels", "所有管道"},
	"filter.apply":                              {"Apply", "套用"},
	"filter.custom":                             {"Custom", "自訂"},
	"range.this_week":                           {"This week", "本週"},
	"range.last_4_weeks":                        {"Last 4 weeks", "最近 4 週"},
	"range.last_12_weeks":                       {"Last 12 weeks", "最近 12 週"},
	"range.last_26_weeks":                       {"Last 26 weeks", "最近 26 週"},
	"range.last_52_weeks":                       {"Last 52 weeks", "最近 52 週"},
	"gran.day":                                  {"Day", "日"},
	"gran.week":                                 {"Week", "週"},
	"gran.month":                                {"Month", "月"},
	"meta.definition":                           {"Definition version %d · time zone %s · window %s · weeks start on %s", "定義版本 %d · 時區 %s · 評估時窗 %s · 每週起始日 %s"},
	"meta.resolution.cited_source_or_action":    {"resolved needs a cited source or a succeeded action", "解決需引用來源或成功執行動作"},
	"meta.resolution.any_agent_reply":           {"resolved needs any agent reply", "解決只需任何 AI 回覆"},
	"meta.settings_version":                     {"settings version %d", "設定版本 %d"},
	"meta.failed_last_action":                   {"a failed last action is unresolved", "最後動作失敗即未解決"},
	"meta.monday":                               {"Monday", "星期一"},
	"meta.sunday":                               {"Sunday", "星期日"},
	"meta.provisional":                          {"Periods marked provisional still have conversations waiting for their decision; their numbers will change.", "標示為「暫定」的期間仍有對話在等待判定，數字仍會變動。"},
	"meta.range":                                {"%s to %s", "%s 至 %s"},
	"provisional":                               {"provisional", "暫定"},
	"impact.title":                              {"Impact last week", "上週成效"},
	"impact.vs":                                 {"vs the week before", "與前一週相比"},
	"impact.how":                                {"How this is counted", "計算方式"},
	"impact.none":                               {"nothing to compare with", "無可比較的資料"},
	"impact.mean":                               {"mean %s", "平均 %s"},
	"impact.provisional":                        {"provisional · %s pending", "暫定 · %s 則待判定"},
	"impact.too_few":                            {"too few to call: under %d in a week", "太少，不判斷升降：某週少於 %d 則"},
	"impact.test.two_proportion":                {"A two-proportion z-test at 95%%: z = %s, p = %s.", "95%% 雙比例 z 檢定：z = %s，p = %s。"},
	"impact.test.poisson":                       {"A test of the two weeks' counts (two Poisson counts) at 95%%: z = %s, p = %s.", "95%% 兩週件數檢定（兩個卜瓦松計數）：z = %s，p = %s。"},
	"impact.test.median":                        {"Mood's median test at 95%%: z = %s, p = %s.", "95%% Mood 中位數檢定：z = %s，p = %s。"},
	"impact.significant":                        {"significant · p = %s", "顯著 · p = %s"},
	"impact.not_significant":                    {"not significant · p = %s", "不顯著 · p = %s"},
	"ci.title":                                  {"95%% interval: %s", "95%% 信賴區間：%s"},
	"ci.range":                                  {"%s – %s", "%s – %s"},
	"chart.note.ci":                             {"95%% interval %s", "95%% 信賴區間 %s"},
	"chart.note.ci_median":                      {"median's 95%% interval %s", "中位數 95%% 信賴區間 %s"},
	"chart.note.ci_csat":                        {"CSAT 95%% interval %s", "CSAT 95%% 信賴區間 %s"},
	"column.bound_low":                          {"%s, 95%% low", "%s，95%% 下限"},
	"column.bound_high":                         {"%s, 95%% high", "%s，95%% 上限"},
	"totals.interval":                           {"95% interval", "95% 信賴區間"},
	"impact.too_pending":                        {"pending conversations could still reverse it", "待判定的對話仍可能使它反轉"},
	"impact.range":                              {"%s – %s", "%s – %s"},
	"impact.within_accuracy":                    {"within 1%", "差距在 1% 以內"},
	"impact.not_yet":                            {"not known yet", "尚無法判斷"},
	"impact.at_least":                           {"at least %s", "至少 %s"},
	"impact.so_far":                             {"This week so far:", "本週至今："},
	"impact.so_far_pending":                     {"%s · %s pending", "%s · %s 則待判定"},
	"impact.rule":                               {"The cards compare the last complete week with the week before: outcomes are decided up to the evaluation window after the last agent reply, so the days of a week in progress (from %s) are mostly still pending. A change is shown as up or down only when both weeks rest on at least %d conversations (decided, closed or rated), no outcome of the conversations still pending could reverse it, and a test at 95%% finds it significant (hover over a value for its 95%% interval).", "卡片比較上一個完整週與其前一週：結果要在 AI 最後一則回覆後經過評估時窗才判定，進行中的一週（自 %s 起）大多仍待判定。只有兩週都至少有 %d 則對話（已判定、已結案或已評價），待判定對話的任何結果都不會使變化反轉，且 95%% 的檢定判定為顯著時，才標示上升或下降（將游標移到數值上可看 95%% 信賴區間）。"},
	"recompute.badge":                           {"recomputing", "重新計算中"},
	"recompute.note":                            {"Recomputing with the new settings — %s of %s conversations. Until it is done these are the previous numbers; the page switches to the new ones at once when they are complete.", "正在以新設定重新計算 — 已完成 %s / %s 則對話。完成之前顯示的是先前的數字；新數字完整後頁面會立即切換。"},
	"recompute.settings":                        {"New settings: %s.", "新設定：%s。"},
	"card.resolved":                             {"Resolved", "已解決"},
	"card.handled":                              {"Handled", "已處理"},
	"card.ttc":                                  {"Time to close (median)", "結案時間（中位數）"},
	"card.deflection":                           {"Deflection rate", "分流率"},
	"card.helpful":                              {"Helpful", "有幫助"},
	"card.csat":                                 {"CSAT", "滿意度（CSAT）"},
	"how.resolved":                              {"Conversations decided as resolved by the resolution definition named above: no human took part, the visitor did not ask for one, the last agent reply was not rated negative, and criterion 1 held. Counted in the week the conversation started.", "依上方所列解決定義判定為已解決的對話：沒有真人參與、訪客未要求真人、最後一則 AI 回覆沒有負評，且符合條件一。依對話開始的那一週計算。"},
	"how.handled":                               {"Conversations the customer agent replied to at least once, by the week they started. Test traffic is excluded.", "客服 AI 至少回覆過一次的對話，依開始的週計算。不含測試流量。"},
	"how.ttc":                                   {"From the assignment to the customer agent (else its first reply) to the last close, for conversations closed in the week. The median is within 1%; the mean beside it is exact.", "從指派給客服 AI（或其第一則回覆）到最後一次結案的時間，計入該週結案的對話。中位數誤差在 1% 以內；旁邊的平均值為精確值。"},
	"how.deflection":                            {"Resolved plus unresolved, divided by decided conversations: the share decided without a human.", "已解決加未解決，除以已判定的對話：未經真人就判定的比例。"},
	"how.csat":                                  {"Conversations the customer agent handled that visitors rated 4 or 5 out of 5, divided by all it handled that were rated; counted in the week the conversation started, whenever the rating came. Mean rating this week: %s of 5, from %s ratings. A rating never changes an outcome.", "客服 AI 處理、且訪客評為 4 或 5 分（滿分 5 分）的對話，除以其處理且有評分的對話；依對話開始的那一週計算，不論何時評分。本週平均 %s 分（滿分 5 分），共 %s 則評分。評分不會改變判定結果。"},
	"how.helpful":                               {"Positive ratings divided by all ratings given in the week. A later rating of the same reply replaces an earlier one.", "該週正面評價除以所有評價。同一則回覆的新評價會取代舊評價。"},
	"change.pts":                                {"%s pts", "%s 個百分點"},
	"charts.title":                              {"Over time", "趨勢"},
	"chart.handled":                             {"Conversations handled, by outcome", "已處理對話（依結果）"},
	"chart.channels":                            {"Handled by channel", "各管道已處理對話"},
	"chart.feedback":                            {"Visitor feedback", "訪客回饋"},
	"chart.handle_rate":                         {"Handle rate", "處理率"},
	"chart.resolution_rate":                     {"Resolution rate", "解決率"},
	"chart.resolved":                            {"Resolved conversations", "已解決對話"},
	"chart.handoffs":                            {"Human handoffs, by initiator", "轉接真人（依發起者）"},
	"chart.handoff_rate":                        {"Handoff rate", "轉接率"},
	"chart.time_to_close":                       {"Time to close", "結案時間"},
	"chart.handoff_reasons":                     {"Human handoffs, by reason", "轉接真人（依原因）"},
	"chart.unresolved_reasons":                  {"Unresolved, by reason", "未解決（依原因）"},
	"chart.time_to_close_by_outcome":            {"Time to close, resolved and handed off", "結案時間：已解決與已轉接"},
	"chart.other_reasons":                       {"Other reasons", "其他原因"},
	"chart.note.decided":                        {"%s decided", "%s 則已判定"},
	"chart.note.pending":                        {"%s pending", "%s 則待判定"},
	"chart.note.conversations":                  {"%s conversations", "%s 則對話"},
	"chart.note.unresolved":                     {"%s unresolved", "%s 則未解決"},
	"chart.note.closed":                         {"%s closed", "%s 則已結案"},
	"chart.note.rated":                          {"%s rated", "%s 則已評分"},
	"chart.note.closed_by_outcome":              {"%s resolved and %s handed off closed", "已結案：已解決 %s 則、已轉接 %s 則"},
	"chart.rule.decided":                        {"A period's rate is drawn from its decided conversations once at least %d are decided and no more than a tenth are still pending (those could still move it by that much); the numbers show how many are decided and pending.", "每個期間的比率以已判定的對話計算；至少 %d 則已判定、且待判定的不超過十分之一（它們仍可能讓比率變動這麼多）時才繪出。數字表列出已判定與待判定的數量。"},
	"chart.rule.conversations":                  {"A period's rate is drawn once it has at least %d conversations.", "每個期間至少有 %d 則對話才繪出比率。"},
	"chart.rule.closed":                         {"Drawn for a period with at least %d closed conversations, on a logarithmic time axis so that a few long ones do not flatten the rest. Median and p90 are within 1%%; the mean is exact.", "每個期間至少有 %d 則已結案的對話才繪出；時間軸為對數刻度，少數特別長的對話不會壓扁其他數值。中位數與第 90 百分位誤差在 1%% 以內，平均值為精確值。"},
	"chart.rule.rated":                          {"Each line is drawn for a period with at least %d rated conversations of its group.", "每條線在該組至少有 %d 則已評分對話的期間才繪出。"},
	"chart.rule.reasons":                        {"An unresolved conversation counts under each criterion it failed, so the reasons can add up to more than the unresolved. A period more than a tenth pending is not drawn yet.", "未解決的對話會計入它未通過的每一項條件，因此各原因加總可能多於未解決的數量。待判定超過十分之一的期間暫不繪出。"},
	"chart.csat":                                {"Conversation satisfaction (CSAT), by outcome", "對話滿意度（CSAT，依結果）"},
	"series.csat":                               {"All handled", "所有已處理"},
	"metric.csat":                               {"CSAT (rated 4–5 of 5)", "滿意度（4–5 分）"},
	"metric.csat_of":                            {"mean %s of 5, %s rated", "平均 %s 分，%s 則評分"},
	"metric.csat_not_handled":                   {"Not handled by the agent (the team alone)", "未經客服 AI 處理（僅團隊）"},
	"chart.numbers":                             {"Show the numbers", "顯示數字"},
	"chart.csv":                                 {"Download CSV", "下載 CSV"},
	"series.resolved":                           {"Resolved", "已解決"},
	"series.unresolved":                         {"Unresolved", "未解決"},
	"series.handed_off":                         {"Handed off", "已轉接"},
	"series.pending":                            {"Pending", "待判定"},
	"series.handled":                            {"Handled", "已處理"},
	"series.positive":                           {"Positive", "正面"},
	"series.negative":                           {"Negative", "負面"},
	"series.confirmed":                          {"Confirmed", "已確認"},
	"series.assumed":                            {"Assumed", "推定"},
	"series.customer_agent":                     {"Customer agent", "客服 AI"},
	"series.rule":                               {"Rule", "規則"},
	"series.rep":                                {"Rep", "客服人員"},
	"series.handle_rate":                        {"Handle rate", "處理率"},
	"series.resolution_rate":                    {"Resolution rate", "解決率"},
	"series.handoff_rate":                       {"Handoff rate", "轉接率"},
	"series.median":                             {"Median", "中位數"},
	"series.p90":                                {"90th percentile", "第 90 百分位"},
	"series.mean":                               {"Mean", "平均"},
	"series.median_resolved":                    {"Median, resolved", "中位數（已解決）"},
	"series.median_handed_off":                  {"Median, handed off", "中位數（已轉接）"},
	"handoff_reason.customer_request":           {"Visitor asked for a human", "訪客要求真人"},
	"handoff_reason.cannot_answer":              {"Could not answer", "無法回答"},
	"handoff_reason.trigger_phrase":             {"Trigger phrase", "觸發詞"},
	"handoff_reason.agent_paused":               {"Agent paused", "AI 已暫停"},
	"handoff_reason.capacity_limit":             {"Capacity limit", "容量上限"},
	"handoff_reason.manual":                     {"Rep took over", "客服人員接手"},
	"handoff_reason.other":                      {"Other", "其他"},
	"handoff_reason.none":                       {"No reason given", "未提供原因"},
	"channels.title":                            {"By channel", "依管道"},
	"col.channel":                               {"Channel", "管道"},
	"col.conversations":                         {"Conversations", "對話"},
	"col.handled":                               {"Handled", "已處理"},
	"col.handle_rate":                           {"Handle rate", "處理率"},
	"col.resolved":                              {"Resolved", "已解決"},
	"col.resolution_rate":                       {"Resolution rate", "解決率"},
	"col.handoffs":                              {"Handoffs", "轉接"},
	"col.helpful":                               {"Helpful", "有幫助"},
	"col.period":                                {"Period", "期間"},
	"col.conversation":                          {"Conversation", "對話"},
	"col.started":                               {"Started", "開始時間"},
	"col.outcome":                               {"Outcome", "結果"},
	"col.reasons":                               {"Reasons", "原因"},
	"col.decided":                               {"Decided", "判定時間"},
	"col.handoff":                               {"Handoff", "轉接"},
	"col.time":                                  {"Time", "時間"},
	"col.event":                                 {"Event", "事件"},
	"col.details":                               {"Details", "內容"},
	"column.from":                               {"From", "開始"},
	"column.to":                                 {"To", "結束"},
	"column.provisional":                        {"Provisional", "暫定"},
	"column.channel":                            {"Channel", "管道"},
	"column.conversations":                      {"Conversations", "對話"},
	"column.test_excluded":                      {"Test (left out)", "測試（排除）"},
	"column.handled":                            {"Handled", "已處理"},
	"column.handle_rate":                        {"Handle rate", "處理率"},
	"column.pending":                            {"Pending", "待判定"},
	"column.decided":                            {"Decided", "已判定"},
	"column.resolved":                           {"Resolved", "已解決"},
	"column.resolved_confirmed":                 {"Confirmed", "已確認"},
	"column.resolved_assumed":                   {"Assumed", "推定"},
	"column.resolution_rate":                    {"Resolution rate", "解決率"},
	"column.deflected":                          {"Deflected", "已分流"},
	"column.deflection_rate":                    {"Deflection rate", "分流率"},
	"column.human_handoffs":                     {"Human handoffs", "轉接真人"},
	"column.handoff_rate":                       {"Handoff rate", "轉接率"},
	"column.customer_agent":                     {"By the customer agent", "由客服 AI"},
	"column.rule":                               {"By a rule", "由規則"},
	"column.rep":                                {"By a rep", "由客服人員"},
	"column.unresolved":                         {"Unresolved", "未解決"},
	"column.automation_rate":                    {"Automation rate", "自動化率"},
	"column.reopened":                           {"Reopened", "重新開啟"},
	"column.reopen_rate":                        {"Reopen rate", "重新開啟率"},
	"column.feedback_positive":                  {"Positive", "正面"},
	"column.feedback_negative":                  {"Negative", "負面"},
	"column.helpful_rate":                       {"Helpful", "有幫助"},
	"column.closed":                             {"Closed", "已結案"},
	"column.time_to_close_mean":                 {"Mean time to close", "平均結案時間"},
	"column.time_to_close_median":               {"Median time to close", "結案時間中位數"},
	"column.time_to_close_p90":                  {"Time to close, 90th percentile", "結案時間第 90 百分位"},
	"column.closed_resolved":                    {"Closed, resolved", "已結案（已解決）"},
	"column.closed_handed_off":                  {"Closed, handed off", "已結案（已轉接）"},
	"column.time_to_close_resolved_mean":        {"Resolved: mean", "已解決：平均"},
	"column.time_to_close_resolved_median":      {"Resolved: median", "已解決：中位數"},
	"column.time_to_close_resolved_p90":         {"Resolved: 90th percentile", "已解決：第 90 百分位"},
	"column.time_to_close_handed_off_mean":      {"Handed off: mean", "已轉接：平均"},
	"column.time_to_close_handed_off_median":    {"Handed off: median", "已轉接：中位數"},
	"column.time_to_close_handed_off_p90":       {"Handed off: 90th percentile", "已轉接：第 90 百分位"},
	"column.handoffs":                           {"Handoffs", "轉接"},
	"column.feedback":                           {"Ratings", "評分"},
	"column.new_gap_questions":                  {"New gap questions", "新的知識缺口問題"},
	"column.unresolved_by":                      {"Unresolved: %s", "未解決：%s"},
	"column.csat":                               {"CSAT", "CSAT"},
	"column.csat_of":                            {"CSAT, %s", "CSAT（%s）"},
	"column.csat_satisfied":                     {"satisfied", "滿意"},
	"column.csat_rated":                         {"rated", "評分數"},
	"column.csat_rate":                          {"share satisfied", "滿意比例"},
	"column.csat_mean":                          {"mean", "平均"},
	"totals.title":                              {"Totals for the range", "期間總計"},
	"totals.previous":                           {"previous period", "前一期間"},
	"metric.conversations":                      {"Conversations", "對話"},
	"metric.test":                               {"Test conversations excluded", "已排除的測試對話"},
	"metric.automation_rate":                    {"Automation rate", "自動化率"},
	"metric.reopen_rate":                        {"Reopen rate", "重新開啟率"},
	"metric.unresolved_by_reason":               {"Unresolved, by reason", "未解決（依原因）"},
	"metric.gap_questions":                      {"New gap questions", "新的知識缺口問題"},
	"metric.pending":                            {"Pending", "待判定"},
	"outcome.not_handled":                       {"Not handled", "未處理"},
	"outcome.pending":                           {"Pending", "待判定"},
	"outcome.handed_off":                        {"Handed off", "已轉接"},
	"outcome.resolved":                          {"Resolved", "已解決"},
	"outcome.unresolved":                        {"Unresolved", "未解決"},
	"outcome.handled":                           {"Handled", "已處理"},
	"outcome.decided":                           {"Decided", "已判定"},
	"outcome.deflected":                         {"Deflected", "已分流"},
	"resolution.confirmed":                      {"confirmed", "已確認"},
	"resolution.assumed":                        {"assumed", "推定"},
	"reason.no_source_or_action":                {"No source or action", "未引用來源或執行動作"},
	"reason.human_requested":                    {"Human requested", "要求真人"},
	"reason.negative_feedback":                  {"Negative feedback", "負面回饋"},
	"reason.last_action_failed":                 {"Last action failed", "最後一個動作失敗"},
	"gaps.sort":                                 {"Sort", "排序"},
	"gaps.sort.attention":                       {"Needs attention", "需要處理"},
	"gaps.sort.conversations":                   {"Most conversations", "對話最多"},
	"gaps.sort.last_asked":                      {"Last asked", "最近提問"},
	"gaps.sort.label":                           {"Topic", "主題"},
	"gaps.new":                                  {"new", "新"},
	"gaps.new.help":                             {"First asked in the last 7 days", "最近 7 天內首次出現"},
	"convs.subtitle":                            {"Every conversation with its outcome, newest first. Filter them, open one to see why it ended as it did, or download the list.", "所有對話及其結果，最新的在前。可篩選、開啟查看判定原因，或下載列表。"},
	"convs.count":                               {"%s conversations", "%s 則對話"},
	"convs.any_outcome":                         {"Any outcome", "所有結果"},
	"filter.any":                                {"Any", "全部"},
	"filter.resolution":                         {"Resolution", "解決方式"},
	"filter.reason":                             {"Unresolved reason", "未解決原因"},
	"filter.initiator":                          {"Handoff by", "轉接發起者"},
	"filter.test":                               {"Test traffic", "測試流量"},
	"filter.test.exclude":                       {"Left out", "排除"},
	"filter.test.include":                       {"Included", "包含"},
	"filter.test.only":                          {"Only test", "僅測試"},
	"filter.reopened":                           {"Only reopened", "僅重新開啟"},
	"filter.source":                             {"Cited source (id)", "引用的來源（ID）"},
	"filter.action":                             {"Action (name)", "執行的動作（名稱）"},
	"conv.test.badge":                           {"test", "測試"},
	"channel.chat":                              {"Chat", "線上聊天"},
	"channel.email":                             {"Email", "電子郵件"},
	"channel.whatsapp":                          {"WhatsApp", "WhatsApp"},
	"channel.messenger":                         {"Messenger", "Messenger"},
	"channel.sms":                               {"SMS", "簡訊"},
	"channel.voice":                             {"Voice", "語音"},
	"unit.hour":                                 {"1 hour", "1 小時"},
	"unit.hours":                                {"%s hours", "%s 小時"},
	"convs.title":                               {"Conversations", "對話"},
	"convs.filter":                              {"Showing", "顯示"},
	"convs.all":                                 {"all conversations", "所有對話"},
	"convs.none":                                {"No conversations match this filter.", "沒有符合條件的對話。"},
	"convs.next":                                {"Next page", "下一頁"},
	"convs.first":                               {"First page", "第一頁"},
	"convs.csv":                                 {"Download all as CSV", "全部下載為 CSV"},
	"convs.clear":                               {"Clear filter", "清除篩選"},
	"conv.title":                                {"Conversation %s", "對話 %s"},
	"conv.why":                                  {"Why this outcome", "判定原因"},
	"conv.timeline":                             {"Timeline", "時間軸"},
	"conv.channel":                              {"Channel", "管道"},
	"conv.started":                              {"Started", "開始時間"},
	"conv.decided":                              {"Decided", "判定時間"},
	"conv.due":                                  {"Decision due", "預計判定時間"},
	"conv.ticket":                               {"Ticket", "工單"},
	"conv.csat":                                 {"Satisfaction", "滿意度"},
	"conv.csat.value":                           {"%d of 5", "%d 分（滿分 5 分）"},
	"conv.ttc":                                  {"Time to close", "結案時間"},
	"conv.reopened":                             {"Reopened after the resolution", "解決後重新開啟"},
	"conv.test":                                 {"Test conversation: excluded from every metric", "測試對話：不計入任何指標"},
	"conv.passed":                               {"passed", "通過"},
	"conv.failed":                               {"failed", "未通過"},
	"conv.events":                               {"events:", "事件："},
	"conv.not_handled":                          {"The customer agent never replied, so the conversation was not handled.", "客服 AI 從未回覆，因此這則對話未被處理。"},
	"conv.pending":                              {"Waiting for the decision at %s: the window after the last agent reply has not passed.", "等待於 %s 判定：最後一則 AI 回覆後的評估時窗尚未結束。"},
	"conv.handed_off":                           {"A human took over at %s (initiator: %s, reason: %s), before the decision time.", "在判定時間前，真人於 %s 接手（發起者：%s，原因：%s）。"},
	"conv.decided_at":                           {"Decided at %s, the window after the last agent reply.", "於 %s 判定，即最後一則 AI 回覆後的評估時窗結束時。"},
	"conv.back":                                 {"Back to the list", "返回列表"},
	"conv.evaluation_pending":                   {"Waiting to be evaluated again (new events, a decision time or a settings change): this is the outcome as evaluated at %s, which the metrics count until then.", "等待重新判定（有新事件、已到判定時間或設定已變更）：此為 %s 判定的結果，在重新判定前各項指標以此計算。"},
	"crit.cited_source_or_action":               {"An agent reply cited a source or ran a succeeded action", "AI 回覆引用了來源或成功執行了動作"},
	"crit.no_human_request":                     {"The visitor did not ask for a human", "訪客沒有要求真人"},
	"crit.last_reply_not_negative":              {"The last agent reply was not rated negative", "最後一則 AI 回覆沒有負評"},
	"crit.any_agent_reply":                      {"The customer agent replied (the workspace counts any reply, for platforms that cannot report citations)", "客服 AI 有回覆（此工作區計入任何回覆，適用於無法回報引用來源的平台）"},
	"crit.last_action_not_failed":               {"The last agent action did not fail", "最後一個 AI 動作沒有失敗"},
	"event.conversation.started":                {"Conversation started", "對話開始"},
	"event.message":                             {"Message", "訊息"},
	"event.human.requested":                     {"Visitor asked for a human", "訪客要求真人"},
	"event.handoff":                             {"Handoff", "轉接"},
	"event.feedback":                            {"Feedback", "回饋"},
	"event.assigned":                            {"Assigned", "指派"},
	"event.conversation.closed":                 {"Conversation closed", "對話結束"},
	"event.csat":                                {"Satisfaction rating", "滿意度評分"},
	"author.visitor":                            {"Visitor", "訪客"},
	"author.customer_agent":                     {"Customer agent", "客服 AI"},
	"author.rep":                                {"Rep", "客服人員"},
	"detail.sources":                            {"Sources", "來源"},
	"detail.actions":                            {"Actions", "動作"},
	"detail.unanswered":                         {"Could not answer", "無法回答"},
	"detail.question":                           {"Question", "問題"},
	"detail.rating":                             {"Rating of %s", "對 %s 的評價"},
	"detail.csat":                               {"Rated the conversation %s out of 5", "為整段對話評 %s 分（滿分 5 分）"},
	"detail.assignee":                           {"Assignee", "指派對象"},
	"detail.initiator":                          {"Initiator", "發起者"},
	"detail.reason":                             {"Reason", "原因"},
	"detail.comment":                            {"Comment", "意見"},
	"none":                                      {"none", "無"},
	"error.title":                               {"Something went wrong", "發生錯誤"},
	"error.notfound":                            {"Not found", "找不到頁面"},
	"error.back":                                {"Back to Performance", "返回成效"},
}

// missing, when set (by tests), learns every key looked up and not found;
// atomic, as tests set it while others' servers look keys up.
var missing atomic.Pointer[func(key string)]

// T returns the message for key in l, formatted with args.
func (l Lang) T(key string, args ...any) string {
	m, ok := messages[key]
	if !ok {
		if f := missing.Load(); f != nil {
			(*f)(key)
		}
		return key
	}
	s := m[0]
	if l == TraditionalChinese {
		s = m[1]
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Int formats a count with thousands separators (the same in both
// languages).
func (l Lang) Int(n int64) string { return plot.Grouped(n) }

// Percent formats a rate; nil (no denominator) is a dash.
func (l Lang) Percent(v *float64) string {
	if v == nil {
		return "–"
	}
	return strconv.FormatFloat(*v*100, 'f', 1, 64) + "%"
}

// RateInterval is a rate's 95 % interval, "48.7% – 97.4%"; "" without one.
func (l Lang) RateInterval(i *report.Interval) string {
	if i == nil {
		return ""
	}
	return l.T("ci.range", l.Percent(&i.Low), l.Percent(&i.High))
}

// DurationInterval is a duration's 95 % interval; "" without one.
func (l Lang) DurationInterval(i *report.Interval) string {
	if i == nil {
		return ""
	}
	return l.T("ci.range", l.Duration(&i.Low), l.Duration(&i.High))
}

// Rating formats a mean rating out of 5 with one decimal; nil is a dash.
func (l Lang) Rating(v *float64) string {
	if v == nil {
		return "–"
	}
	return strconv.FormatFloat(*v, 'f', 1, 64)
}

// Duration formats seconds in its two largest units: "3h 4m", "3 小時 4 分".
func (l Lang) Duration(v *float64) string {
	if v == nil {
		return "–"
	}
	type unit struct {
		size     time.Duration
		en, zhTW string
	}
	units := []unit{{24 * time.Hour, "d", " 天"}, {time.Hour, "h", " 小時"}, {time.Minute, "m", " 分"}, {time.Second, "s", " 秒"}}
	d := time.Duration(math.Round(*v)) * time.Second
	first := len(units) - 1
	for i, u := range units {
		if d >= u.size {
			first = i
			break
		}
	}
	var parts []string
	for _, u := range units[first:min(first+2, len(units))] {
		n := d / u.size
		d -= n * u.size
		name := u.en
		if l == TraditionalChinese {
			name = u.zhTW
		}
		if n > 0 || len(parts) == 0 {
			parts = append(parts, strconv.FormatInt(int64(n), 10)+name)
		}
	}
	return strings.Join(parts, " ")
}

// Day formats a YYYY-MM-DD date: "Mar 2, 2026", "2026年3月2日".
func (l Lang) Day(day string) string { return l.date(day, "Jan 2, 2006", "%[1]d年%[2]d月%[3]d日") }

// Short formats a date without its year, for chart axes: "Mar 2", "3/2".
func (l Lang) Short(day string) string { return l.date(day, "Jan 2", "%[2]d/%[3]d") }

// Month formats the month of a date: "Mar 2026", "2026年3月".
func (l Lang) Month(day string) string { return l.date(day, "Jan 2006", "%[1]d年%[2]d月") }

// date formats a YYYY-MM-DD date by an English layout, or in zh-TW by a
// format of its year, month and day numbers (in that order); what is not a
// date is shown as it came.
func (l Lang) date(day, en, zh string) string {
	t, err := time.Parse("2006-01-02", day)
	if err != nil {
		return day
	}
	if l == TraditionalChinese {
		return fmt.Sprintf(zh, t.Year(), int(t.Month()), t.Day())
	}
	return t.Format(en)
}

// Instant formats an instant in loc: "Mar 2, 2026 09:00", "2026年3月2日 09:00".
func (l Lang) Instant(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "–"
	}
	t = t.In(loc)
	return l.Day(t.Format("2006-01-02")) + " " + t.Format("15:04:05")
}
