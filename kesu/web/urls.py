from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.generic import RedirectView

from kesu.privacy.login import LoginForm
from kesu.web import absences, finding, notices, views, workbench

app_name = "web"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="web:queue", permanent=False)),
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html", authentication_form=LoginForm),
         name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("queue/", views.queue, name="queue"),
    path("register/", views.register, name="register"),
    path("register/route/", views.register_route, name="register_route"),
    path("search/", finding.search_page, name="search"),
    path("bulk/", finding.bulk, name="bulk"),
    path("c/<str:number>/", views.detail, name="detail"),
    path("c/<str:number>/history/", finding.history, name="history"),
    path("c/<str:number>/act/<str:action>/", views.act, name="act"),
    path("c/<str:number>/print/<slug:form>/", views.print_form, name="print"),
    path("c/<str:number>/files/<int:pk>/", views.attachment, name="attachment"),
    path("notices/", notices.notices, name="notices"),
    path("notices/badge/", notices.badge, name="notices_badge"),
    path("notices/read/", notices.read, name="notices_read"),
    path("approvals/", workbench.approvals, name="approvals"),
    path("approvals/<int:pk>/decide/", workbench.decide, name="decide"),
    path("extensions/<int:pk>/decide/", workbench.decide_extension, name="decide_extension"),
    path("penalties/", workbench.penalty_ledger, name="ledger"),
    path("penalties/<int:pk>/waive/", workbench.waive, name="waive"),
    path("dashboard/", workbench.dashboard, name="dashboard"),
    path("discipline/", workbench.discipline, name="discipline"),
    path("policy/", workbench.policy_tables, name="policy"),
    path("calendar/", workbench.calendar_years, name="calendar"),
    path("absences/", absences.absences, name="absences"),
    path("absences/mark/", absences.mark, name="absence_mark"),
    path("absences/<int:pk>/end/", absences.end, name="absence_end"),
]
