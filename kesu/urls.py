from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

admin.site.site_header = "客诉 Kesu · 客户投诉处理系统"
admin.site.site_title = "客诉 Kesu"
admin.site.index_title = "管理"

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
]
