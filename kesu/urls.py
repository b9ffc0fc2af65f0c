from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from kesu.access.admin import sysadmin_only

admin.site.site_header = _("客诉 Kesu · 客户投诉处理系统")
admin.site.site_title = _("客诉 Kesu")
admin.site.index_title = _("管理")
admin.site.has_permission = sysadmin_only  # type: ignore[method-assign]  # system administrators only (F12)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("portal/captcha/", include("captcha.urls")),  # the portal's one-time image checks
    path("portal/", include("kesu.portal.urls")),
    path("intake/", include("kesu.intake.urls")),
    path("api/", include("kesu.api.urls")),
    path("reports/", include("kesu.reports.urls")),
    path("access/", include("kesu.access.urls")),
    path("notify/", include("kesu.notifications.urls")),  # issue 16: the crisis page, one's quiet hours
    path("privacy/", include("kesu.privacy.urls")),
    path("intelligence/", include("kesu.intelligence.urls")),
    path("", include("kesu.web.urls")),
]

# Error pages in the reader's language, for staff and customers (never 「Resolver404」).
handler403 = "kesu.web.errors.forbidden"
handler404 = "kesu.web.errors.not_found"
handler500 = "kesu.web.errors.server_error"
